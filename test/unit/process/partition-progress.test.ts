import { PartitionProgress } from '../../../src/process/partition-progress';

describe('PartitionProgress', () => {
  let now = 0;
  const progress = (): PartitionProgress => new PartitionProgress(1000, () => now);
  beforeEach(() => {
    now = 0;
  });

  it('is not stalled while batches commit, however long the partition lives', () => {
    const p = progress();
    for (let i = 0; i < 10; i++) {
      p.started(0);
      now += 900;
      p.committed(0);
    }
    expect(p.stalled()).toEqual([]);
  });

  it('is stalled when one batch runs past the timeout', () => {
    const p = progress();
    p.started(3);
    now += 1001;
    expect(p.stalled()).toEqual([{ partition: 3, forMs: 1001, failing: false }]);
    p.committed(3);
    expect(p.stalled()).toEqual([]);
  });

  it('is stalled when batches keep failing past the timeout, until one commits', () => {
    const p = progress();
    for (let i = 0; i < 5; i++) {
      p.started(1);
      now += 300;
      p.failed(1);
    }
    expect(p.stalled()).toEqual([{ partition: 1, forMs: 1200, failing: true }]);
    p.started(1);
    p.committed(1);
    expect(p.stalled()).toEqual([]);
  });

  it('forgets revoked partitions and is not stalled while idle', () => {
    const p = progress();
    p.started(2);
    p.paused(2);
    p.started(4);
    p.failed(5);
    p.forget(4);
    p.forget(5);
    now += 10_000;
    expect(p.stalled()).toEqual([]);
  });
});
