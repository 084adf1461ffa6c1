import { ReplayProgress } from '../../../src/replay/progress';

describe('ReplayProgress', () => {
  it('counts records of the range done per partition and finishes when every partition reached its end', () => {
    const p = new ReplayProgress(new Map([[0, 10n], [1, 5n], [2, 7n]]), new Map([[0, 20n], [1, 25n], [2, 7n]]));
    expect(p.total).toBe(30);
    expect(p.line()).toMatch(/^rebuilding state from history/);
    p.update(0, 4n); // still in the history before the range
    expect(p.completed).toBe(0);
    p.update(0, 15n);
    p.update(1, 30n); // past the end (transaction markers): clamped
    expect(p.completed).toBe(25);
    expect(p.finished()).toBe(false);
    p.update(0, 20n);
    expect(p.finished()).toBe(true);
    expect(p.line()).toMatch(/^30\/30 \(100\.0%\)/);
  });
});
