/**
 * One lock per partition number: lead.events[p] and engagement.events[p] update the same leads'
 * state, so their batches (and the restore of changelog p) run one after another, in order.
 */
export class TaskLocks {
  private readonly tails = new Map<number, Promise<unknown>>();

  run<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.tails.set(
      partition,
      next.catch(() => undefined),
    );
    return next;
  }
}
