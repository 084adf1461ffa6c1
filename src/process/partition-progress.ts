/**
 * Whether each assigned partition is moving. A partition is stalled when one batch has been in
 * processing (computing, committing, or waiting for a dependency) for longer than the stall
 * timeout, or when its batches have failed, with no commit in between, for that long: a record
 * that makes every attempt fail, a transaction the broker refuses, a registry that stays down.
 * Health and readiness read this, so a process whose partitions do not move never says it is fine.
 * A partition with nothing to do is not stalled.
 */
export class PartitionProgress {
  private readonly busySince = new Map<number, number>();
  private readonly failingSince = new Map<number, number>();

  constructor(
    private readonly stallMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A batch of `partition` starts processing. */
  started(partition: number): void {
    if (!this.busySince.has(partition)) this.busySince.set(partition, this.now());
  }

  /** The batch committed: the partition moves. */
  committed(partition: number): void {
    this.busySince.delete(partition);
    this.failingSince.delete(partition);
  }

  /** Processing stopped without a commit or a failure (the processor is stopping, or the assignment changed). */
  paused(partition: number): void {
    this.busySince.delete(partition);
  }

  /** The batch failed; it will be read and tried again. Failing lasts until the next commit. */
  failed(partition: number): void {
    this.busySince.delete(partition);
    if (!this.failingSince.has(partition)) this.failingSince.set(partition, this.now());
  }

  /** The partition is no longer assigned here. */
  forget(partition: number): void {
    this.busySince.delete(partition);
    this.failingSince.delete(partition);
  }

  /** Partitions stalled now, with how long (ms), ascending by partition. */
  stalled(): { partition: number; forMs: number; failing: boolean }[] {
    const now = this.now();
    const out: { partition: number; forMs: number; failing: boolean }[] = [];
    const partitions = new Set([...this.busySince.keys(), ...this.failingSince.keys()]);
    for (const p of partitions) {
      const failing = this.failingSince.get(p);
      const since = Math.min(failing ?? Infinity, this.busySince.get(p) ?? Infinity);
      if (now - since > this.stallMs) out.push({ partition: p, forMs: now - since, failing: failing !== undefined });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }
}
