import { RateLimitedLog } from '../../../src/ops/rate-limited-log';

describe('RateLimitedLog', () => {
  let now = 1_000_000;
  let lines: string[] = [];
  const make = (): RateLimitedLog => new RateLimitedLog((level, message) => lines.push(`${level} ${message}`), { intervalMs: 60_000, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
    lines = [];
  });

  it('logs the first line of each key, then at most one a minute, telling how many it left out', () => {
    const log = make();
    expect(log.log('bad_magic', 'warn', 'first')).toBe(true);
    expect(log.log('bad_magic', 'warn', 'second')).toBe(false);
    expect(log.log('unknown_schema', 'warn', 'other key')).toBe(true);
    now += 59_999;
    expect(log.log('bad_magic', 'warn', 'third')).toBe(false);
    now += 1;
    expect(log.log('bad_magic', 'warn', 'fourth')).toBe(true);
    expect(log.log('bad_magic', 'warn', 'fifth')).toBe(false);
    now += 60_000;
    expect(log.log('bad_magic', 'error', 'sixth')).toBe(true);
    expect(lines).toEqual([
      'warn first',
      'warn other key',
      'warn fourth (2 more like it since the previous line were not logged)',
      'error sixth (1 more like it since the previous line was not logged)',
    ]);
  });

  it('a quiet key logs again at once', () => {
    const log = make();
    log.log('k', 'info', 'a');
    now += 10 * 60_000;
    log.log('k', 'info', 'b');
    expect(lines).toEqual(['info a', 'info b']);
  });
});
