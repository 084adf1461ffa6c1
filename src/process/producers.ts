import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';

/**
 * One transactional, idempotent producer per input topic-partition, transactionalId
 * `<app>-<topic>-<partition>`: KafkaJS has no KIP-447, so zombie fencing relies on the next owner
 * of a partition initializing the same transactional id. CONCURRENT_TRANSACTIONS right after a
 * commit is common and short, so the retry backoff starts far below KafkaJS's 300 ms (kafkajs#304).
 */
export class TransactionalProducers {
  private readonly producers = new Map<string, Promise<Producer>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly appId: string,
  ) {}

  static transactionalId(appId: string, topic: string, partition: number): string {
    return `${appId}-${topic}-${partition}`;
  }

  /**
   * A new producer for a topic-partition just assigned here, initialized: its InitProducerId
   * fences every earlier owner (another instance, or this one before a pause). Only an
   * assignment creates producers: a batch uses the producer that was current when it began.
   */
  async prepare(topic: string, partition: number): Promise<Producer> {
    await this.discard(topic, partition);
    return this.get(topic, partition);
  }

  /** The producer of a partition prepared here and not discarded since; undefined: not ours to write. */
  current(topic: string, partition: number): Promise<Producer> | undefined {
    return this.producers.get(TransactionalProducers.transactionalId(this.appId, topic, partition));
  }

  private get(topic: string, partition: number): Promise<Producer> {
    const id = TransactionalProducers.transactionalId(this.appId, topic, partition);
    let producer = this.producers.get(id);
    if (!producer) {
      producer = this.create(id);
      this.producers.set(id, producer);
      producer.catch(() => this.producers.delete(id));
    }
    return producer;
  }

  private create(transactionalId: string): Promise<Producer> {
    return fencingProducer(this.kafka, transactionalId);
  }

  /** After a failed transaction: drop the producer so the next batch gets a fresh one. */
  async discard(topic: string, partition: number): Promise<void> {
    const id = TransactionalProducers.transactionalId(this.appId, topic, partition);
    const producer = this.producers.get(id);
    this.producers.delete(id);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  async releasePartitions(keep: (partition: number) => boolean): Promise<void> {
    for (const id of [...this.producers.keys()]) {
      const partition = Number(id.slice(id.lastIndexOf('-') + 1));
      if (keep(partition)) continue;
      const producer = this.producers.get(id);
      this.producers.delete(id);
      await producer?.then((p) => p.disconnect()).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.releasePartitions(() => false);
  }
}

/**
 * A connected transactional producer that has already fenced any earlier holder of its id: an
 * empty transaction initializes the producer id now, which fences a zombie and aborts its open
 * transaction, so what that one wrote is settled before the caller reads anything.
 */
export async function fencingProducer(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Never give up on a send (KafkaJS warns that capped retries weaken idempotence): a broker
    // outage stalls the batch, and the transaction timeout bounds how long it stays open.
    retry: { initialRetryTime: 20, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER },
  });
  await producer.connect();
  const tx = await producer.transaction();
  await tx.abort();
  return producer;
}
