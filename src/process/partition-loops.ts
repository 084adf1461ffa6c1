/**
 * One processing loop per partition, apart from KafkaJS's fetches. KafkaJS fetches a broker's
 * partitions again only once every batch of its last fetch has been handed back; a batch handed
 * back after its transaction committed made every partition's next records wait for the slowest
 * partition's commit, then for a fetch. Deliveries now only feed the merge and start the
 * partition's loop, which takes, computes and commits while fetching goes on.
 */
export class PartitionLoops {
  private readonly running = new Map<number, Promise<void>>();
  /** Partitions delivered to while their loop was finishing: it goes round once more. */
  private readonly again = new Set<number>();

  constructor(
    /** Processes what the partition's merge can order now; resolves when there is nothing more. */
    private readonly drain: (partition: number) => Promise<void>,
    /** A loop that threw: the batch was not committed. */
    private readonly onFailure: (partition: number, error: unknown) => void,
  ) {}

  /** Starts the partition's loop, or makes the running one go round once more. */
  kick(partition: number): void {
    if (this.running.has(partition)) {
      this.again.add(partition);
      return;
    }
    const loop = (async () => {
      try {
        do {
          this.again.delete(partition);
          await this.drain(partition);
        } while (this.again.has(partition));
      } catch (error: unknown) {
        this.again.delete(partition);
        this.onFailure(partition, error);
      } finally {
        this.running.delete(partition);
      }
    })();
    this.running.set(partition, loop);
  }

  /** Resolves once no loop runs (each finishes its batch in flight: its transaction commits or aborts). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
