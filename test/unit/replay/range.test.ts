import { parseBound } from '../../../src/replay/range';

describe('parseBound', () => {
  it('reads earliest, latest, ISO times and partition:offset lists', () => {
    expect(parseBound('--from', 'earliest')).toEqual({ kind: 'earliest' });
    expect(parseBound('--to', 'latest')).toEqual({ kind: 'latest' });
    expect(parseBound('--from', '2026-11-24T10:00:00Z')).toEqual({ kind: 'time', ms: Date.UTC(2026, 10, 24, 10), text: '2026-11-24T10:00:00Z' });
    expect(parseBound('--from', '0:120,3:98')).toEqual({ kind: 'offsets', offsets: new Map([[0, 120n], [3, 98n]]) });
  });

  it('refuses anything else with one line that shows the forms', () => {
    expect(() => parseBound('--from', 'yesterday')).toThrow(/--from yesterday: expected earliest, latest, an ISO time .* or partition:offset/);
    expect(() => parseBound('--to', '0:1,0:2')).toThrow(/partition 0 given twice/);
    expect(() => parseBound('--from', '2026-13-45T00:00:00Z')).toThrow(/expected earliest/);
  });
});
