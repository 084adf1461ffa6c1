import { InferenceCombiner, type Scorer } from '../../../src/batch/inference-combiner';
import type { ScoreResult } from '../../../src/registry/registry';

/** A scorer that records its calls and scores each row as its first value (pure logic). */
function recordingScorer(): { scorer: Scorer; calls: number[] } {
  const calls: number[] = [];
  const scorer: Scorer = async (model, rows, count) => {
    calls.push(count);
    const scores = new Float32Array(count);
    for (let i = 0; i < count; i++) scores[i] = rows[i * 2] as number;
    return { scores, model, version: `v${calls.length}`, sha256: null, precision: 'fp32', fallback: null } satisfies ScoreResult;
  };
  return { scorer, calls };
}

const rows = (...firsts: number[]): Float32Array => Float32Array.from(firsts.flatMap((f) => [f, 0]));

describe('InferenceCombiner', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('combines submissions within the linger into one call, and gives each its own slice', async () => {
    const { scorer, calls } = recordingScorer();
    const c = new InferenceCombiner(scorer, { maxRows: 100, lingerMs: 20, width: () => 2 });
    const a = c.score('lead_scorer', rows(1, 2), 2);
    const b = c.score('lead_scorer', rows(3), 1);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(20);
    expect(calls).toEqual([3]);
    expect(Array.from((await a).scores)).toEqual([1, 2]);
    expect(Array.from((await b).scores)).toEqual([3]);
    expect((await a).version).toBe((await b).version);
  });

  it('does not wait for the linger once maxRows rows are waiting', async () => {
    const { scorer, calls } = recordingScorer();
    const c = new InferenceCombiner(scorer, { maxRows: 3, lingerMs: 10_000, width: () => 2 });
    const a = c.score('churn_predictor', rows(1, 2), 2);
    const b = c.score('churn_predictor', rows(3, 4), 2);
    await Promise.resolve();
    expect(calls).toEqual([4]);
    expect(Array.from((await b).scores)).toEqual([3, 4]);
    await a;
  });

  it('keeps models apart', async () => {
    const { scorer, calls } = recordingScorer();
    const c = new InferenceCombiner(scorer, { maxRows: 100, lingerMs: 5, width: () => 2 });
    const a = c.score('lead_scorer', rows(1), 1);
    const b = c.score('property_matcher', rows(2), 1);
    await jest.advanceTimersByTimeAsync(5);
    expect(calls).toEqual([1, 1]);
    expect([(await a).model, (await b).model]).toEqual(['lead_scorer', 'property_matcher']);
  });

  it('with no linger, still combines what was submitted in the same turn', async () => {
    const { scorer, calls } = recordingScorer();
    const c = new InferenceCombiner(scorer, { maxRows: 100, lingerMs: 0, width: () => 2 });
    const all = [c.score('lead_scorer', rows(1), 1), c.score('lead_scorer', rows(2), 1)];
    await jest.runAllTimersAsync();
    await Promise.all(all);
    expect(calls).toEqual([2]);
  });
});
