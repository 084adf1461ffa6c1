import { parseFrom, startOffset } from '../../../src/tail/start-offsets';
import { resolveTarget } from '../../../src/tail/target';
import { topicNames } from '../../../src/topics/names';

describe('tail: where to start and what to read', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it.each([
    ['earliest', { kind: 'earliest' }],
    ['latest', { kind: 'latest' }],
    ['42', { kind: 'offset', offset: 42n }],
    ['15m', { kind: 'time', ms: now - 15 * 60_000 }],
    ['1d', { kind: 'time', ms: now - 86_400_000 }],
    ['2026-12-01T09:30:00Z', { kind: 'time', ms: Date.parse('2026-12-01T09:30:00Z') }],
    ['2026-12-01T09:30:00+01:00', { kind: 'time', ms: Date.parse('2026-12-01T08:30:00Z') }],
  ])('--from %s', (raw, expected) => expect(parseFrom(raw, now)).toEqual(expected));

  it.each(['yesterday', '-5', '15x', '2026-13-45T99:00:00Z', ''])('--from %j is refused', (raw) => expect(() => parseFrom(raw, now)).toThrow(/--from=.* must be earliest, latest/));

  it('clamps offsets to the partition and reaches back far enough for the last N', () => {
    const range = { low: 100n, high: 1_000n };
    expect(startOffset({ kind: 'offset', offset: 5n }, range)).toBe(100n);
    expect(startOffset({ kind: 'offset', offset: 5_000n }, range)).toBe(1_000n);
    expect(startOffset({ kind: 'last', count: 10 }, range)).toBe(1_000n - 56n);
    expect(startOffset({ kind: 'last', count: 1_000 }, range)).toBe(100n);
    expect(startOffset({ kind: 'time', ms: 0 }, { ...range, atTime: 500n })).toBe(500n);
    expect(startOffset({ kind: 'time', ms: 0 }, range)).toBe(1_000n);
  });

  it('names a topic by model, by scorestream name with the prefix, or literally', () => {
    const names = topicNames('app', 'dev.');
    expect(resolveTarget('lead_scorer', names, 'dev.')).toEqual({ topic: 'dev.lead.scores', kind: 'output', model: 'lead_scorer' });
    expect(resolveTarget('lead.churn', names, 'dev.')).toEqual({ topic: 'dev.lead.churn', kind: 'output', model: 'churn_predictor' });
    expect(resolveTarget('dev.property.matches', names, 'dev.')).toEqual({ topic: 'dev.property.matches', kind: 'output', model: 'property_matcher' });
    expect(resolveTarget('engagement.events.dlq', names, 'dev.')).toEqual({ topic: 'dev.engagement.events.dlq', kind: 'dlq' });
    expect(resolveTarget('someone.elses.topic', names, 'dev.')).toEqual({ topic: 'someone.elses.topic', kind: 'other' });
  });
});
