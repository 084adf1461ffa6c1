import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { AvroDecoder } from '../decode/avro-decoder';
import { PropertyTable } from '../features/property-table';
import { validatePropertyEvent } from '../features/validate';
import type { PropertyEvent } from '../schemas/types';
import { untilEndOffsets } from '../kafka/end-offsets';
import { sleep } from '../local/wait';

/**
 * Every instance reads the whole compacted property.events into its own versioned table and
 * keeps following it. `caughtUp` resolves once the table holds everything that was in the topic
 * when loading started: until then the instance is not ready, since joins would miss listings.
 */
export class PropertyLoader {
  readonly table = new PropertyTable();
  rejected = 0;
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly decoder: AvroDecoder,
    private readonly topic: string,
    private readonly appId: string,
  ) {}

  async start(): Promise<void> {
    const ends = new Map((await this.admin.fetchTopicOffsets(this.topic)).map((o) => [o.partition, BigInt(o.high)]));
    const consumer = this.kafka.consumer({ groupId: `${this.appId}-properties-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const caughtUp = untilEndOffsets(consumer, ends);
    void consumer.run({
      eachBatch: async ({ batch, heartbeat }) => {
        // A registry outage stops the table, not the process: wait and try again.
        for (let wait = 200; (await this.decoder.prepare(batch.messages.map((m) => m.value))) !== undefined; wait = Math.min(wait * 2, 10_000)) {
          await heartbeat();
          await sleep(wait);
        }
        for (const m of batch.messages) {
          const decoded = this.decoder.decode<PropertyEvent>(m.value);
          if (decoded.kind !== 'ok' || validatePropertyEvent(decoded.value) !== undefined) {
            this.rejected++;
            continue;
          }
          this.table.apply(decoded.value);
        }
      },
    });
    await caughtUp;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
