import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { CONSUMER_RETRY } from '../consume/consumer-retry';
import { removeMembersLeftByRestarts, type RestartedMemberWatch } from '../consume/restarted-member';
import type { AvroDecoder } from '../decode/avro-decoder';
import { PropertyTable } from '../features/property-table';
import { untilEndOffsets } from '../kafka/end-offsets';
import { sleep } from '../local/wait';
import type { Metrics } from '../ops/metrics';
import { RateLimitedLog, type LogFn } from '../ops/rate-limited-log';
import { readPropertyRecord, type PropertyRecord } from './property-record';

export interface PropertyLoaderDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly decoder: AvroDecoder;
  /** property.events (with the deployment's prefix). */
  readonly topic: string;
  /** Where bad records go, for the log line: the DLQ writer (property-dlq.ts) writes them, not the loader. */
  readonly dlqTopic: string;
  readonly appId: string;
  readonly log: LogFn;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  /** The table can no longer follow the topic (KafkaJS gave up on its consumer): the owner should exit. */
  readonly onFatal?: (error: Error) => void;
}

/**
 * Every instance reads the whole compacted property.events into its own versioned table and
 * keeps following it. `caughtUp` resolves once the table holds everything that was in the topic
 * when loading started: until then the instance is not ready, since joins would miss listings.
 *
 * A bad record is counted (scorestream_property_records_rejected_total{reason}) and logged at most
 * once a minute per reason, and skipped; it reaches the DLQ through the one instance that runs
 * the DLQ writer, since every instance reads it here. A tombstone removes its listing as of the
 * tombstone's record timestamp.
 */
export class PropertyLoader {
  readonly table = new PropertyTable();
  private consumer: Consumer | undefined;
  private restarts: RestartedMemberWatch | undefined;
  private stopped = false;
  private readonly logs: RateLimitedLog;

  constructor(private readonly deps: PropertyLoaderDeps) {
    this.logs = new RateLimitedLog(deps.log, deps.now ? { now: deps.now } : {});
  }

  async start(): Promise<void> {
    const { kafka, admin, topic, appId } = this.deps;
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
    const groupId = `${appId}-properties-${randomUUID()}`;
    // The same bounded back-off as the processor's consumer: listings resume with the scoring.
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, retry: CONSUMER_RETRY });
    this.consumer = consumer;
    this.restarts = removeMembersLeftByRestarts(kafka, consumer, groupId, this.deps.log);
    // KafkaJS restarts its consumer after retriable failures; after any other the table would
    // silently stop following the topic, and joins would use stale listings.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.deps.log('error', `the property table stopped following ${topic}: ${payload.error.message}`);
      this.deps.onFatal?.(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const caughtUp = untilEndOffsets(consumer, ends);
    void consumer.run({
      eachBatch: async ({ batch, heartbeat }) => {
        const prepared = async (values: readonly (Buffer | null)[]): Promise<void> => {
          // A registry outage stops the table, not the process: wait and try again.
          for (let wait = 200; (await this.deps.decoder.prepare(values)) !== undefined; wait = Math.min(wait * 2, 10_000)) {
            await heartbeat();
            await sleep(wait);
          }
        };
        await prepared(batch.messages.map((m) => m.value));
        for (const m of batch.messages) {
          let record = readPropertyRecord(this.deps.decoder, m);
          while (record.kind === 'retry') {
            await prepared([m.value]);
            record = readPropertyRecord(this.deps.decoder, m);
          }
          this.apply(batch.partition, m, record);
        }
      },
    });
    await caughtUp;
  }

  private apply(partition: number, m: KafkaMessage, record: Exclude<PropertyRecord, { kind: 'retry' }>): void {
    const { topic, metrics } = this.deps;
    const where = `${topic} partition ${partition} offset ${m.offset}`;
    switch (record.kind) {
      case 'listing':
        this.table.apply(record.event);
        return;
      case 'tombstone': {
        const outcome = record.propertyId === null ? 'no_key' : this.table.remove(record.propertyId, record.at) ? 'removed' : 'unknown_listing';
        metrics?.propertyTombstones.inc({ outcome });
        // Compaction may keep a tombstone after the listing's records are gone: not an error.
        if (outcome === 'unknown_listing') this.logs.log(`tombstone:${outcome}`, 'info', `${where}: tombstone for listing ${record.propertyId}, which the property table never had, ignored`);
        if (outcome === 'no_key') this.logs.log(`tombstone:${outcome}`, 'warn', `${where}: tombstone without a key ignored (a tombstone deletes the listing its key names)`);
        return;
      }
      case 'bad':
        metrics?.propertyRejected.inc({ reason: record.reason });
        this.logs.log(`bad:${record.reason}`, 'warn', `${where}: bad listing record skipped, not in the property table (${record.reason}: ${record.message}); it goes to ${this.deps.dlqTopic}`);
        return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restarts?.stop();
    await this.consumer?.disconnect();
  }
}
