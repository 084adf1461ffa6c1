import { type CompressionTypes, type Consumer, type EachBatchPayload, type Kafka, type Message, type Producer } from 'kafkajs';
import { CONSUMER_RETRY } from '../consume/consumer-retry';
import type { PreviousMember } from '../consume/previous-member';
import type { AvroDecoder } from '../decode/avro-decoder';
import type { DlqReason } from '../decode/outcome';
import { errorMessage } from '../errors';
import { sleep } from '../local/wait';
import type { Metrics } from '../ops/metrics';
import type { LogFn } from '../ops/rate-limited-log';
import { dlqRecord } from '../publish/dlq-record';
import { splitRequests } from '../publish/split-requests';
import { fencingProducer } from './producers';
import { readPropertyRecord } from './property-record';

export interface PropertyDlqDeps {
  readonly kafka: Kafka;
  readonly decoder: AvroDecoder;
  /** property.events (with the deployment's prefix). */
  readonly topic: string;
  /** property.events.dlq. */
  readonly dlqTopic: string;
  /** The processor's consumer group: the writer's transactional id and group are named after it. */
  readonly groupId: string;
  readonly log: LogFn;
  readonly metrics?: Metrics;
  /** kafka.compression. */
  readonly compression: CompressionTypes;
  /** kafka.maxBatchBytes: a larger DLQ copy is cut, and a transaction is split, to fit the broker's limit. */
  readonly maxRecordBytes: number;
  /** Wait before starting again after a failure, doubling up to `maxRetryMs`. */
  readonly initialRetryMs?: number;
  readonly maxRetryMs?: number;
  /** This instance's member of the writer's group in its last run: removed before joining (a kill -9 left it). */
  readonly previousMember?: PreviousMember;
}

interface Session {
  stopped: boolean;
  readonly stopping: Promise<void>;
  signal(): void;
  done: Promise<void>;
}

/**
 * The single writer of property.events.dlq. Every instance reads property.events whole into its
 * table (PropertyLoader), so the table cannot dead-letter: each bad record would be written once
 * per instance. This writer runs on one instance (the processor runs it where partition 0 of its
 * group is assigned) and reads the topic only to find bad records, in a consumer group of its own,
 * `<group>-property-dlq`, whose offsets it commits in the same transaction as the DLQ records.
 *
 * Its transactional id is fixed, `<group>-<property.events>-dlq`, and initialized before it reads:
 * that fences the previous writer (a crashed one, or one whose instance has not yet seen that it
 * lost partition 0) and aborts its open transaction, so the committed offsets it then reads are
 * final. Each bad record is therefore written once across owner changes and crashes: a record in
 * an aborted transaction is read again from the committed offset by the next writer.
 *
 * A registry outage is not bad input: it waits and tries again. Any other failure (fenced, broker)
 * tears down producer and consumer and starts again after a backoff, from the committed offsets.
 */
export class PropertyDlqWriter {
  private session: Session | undefined;

  constructor(private readonly deps: PropertyDlqDeps) {}

  static transactionalId(groupId: string, topic: string): string {
    return `${groupId}-${topic}-dlq`;
  }

  static consumerGroupId(groupId: string): string {
    return `${groupId}-property-dlq`;
  }

  get running(): boolean {
    return this.session !== undefined && !this.session.stopped;
  }

  /** Starts writing unless it already does; a stop in progress finishes first. */
  start(): void {
    if (this.running) return;
    const previous = this.session?.done ?? Promise.resolve();
    let signal = (): void => undefined;
    const stopping = new Promise<void>((resolve) => (signal = resolve));
    const session: Session = { stopped: false, stopping, signal, done: Promise.resolve() };
    session.done = previous.then(() => this.supervise(session));
    this.session = session;
  }

  /** Stops writing: the transaction in flight commits or aborts, then it leaves its group. */
  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    session.stopped = true;
    session.signal();
    await session.done;
  }

  private async supervise(session: Session): Promise<void> {
    const initial = this.deps.initialRetryMs ?? 1_000;
    // Short: the writer should be back within seconds of the broker, like the scoring consumer.
    const max = this.deps.maxRetryMs ?? 4_000;
    let wait = initial;
    while (!session.stopped) {
      const since = Date.now();
      const failure = await this.runOnce(session);
      if (session.stopped) break;
      if (Date.now() - since > max) wait = initial;
      this.deps.log('warn', `${this.deps.dlqTopic} writer stopped (${errorMessage(failure)}); starting again in ${wait} ms from its committed offsets`);
      await Promise.race([sleep(wait), session.stopping]);
      wait = Math.min(wait * 2, max);
    }
  }

  /** Runs until stopped (resolves undefined) or until something fails (resolves the failure). */
  private async runOnce(session: Session): Promise<unknown> {
    const { kafka, topic, dlqTopic, groupId } = this.deps;
    const consumerGroupId = PropertyDlqWriter.consumerGroupId(groupId);
    let producer: Producer | undefined;
    let consumer: Consumer | undefined;
    let fail = (_err: unknown): void => undefined;
    const failed = new Promise<unknown>((resolve) => (fail = resolve));
    try {
      // Fences the previous writer and ends its open transaction before any offset is read.
      producer = await fencingProducer(kafka, PropertyDlqWriter.transactionalId(groupId, topic));
      if (session.stopped) return undefined;
      const c = kafka.consumer({ groupId: consumerGroupId, readUncommitted: false, maxWaitTimeInMs: 500, retry: CONSUMER_RETRY });
      consumer = c;
      c.on(c.events.CRASH, ({ payload }) => {
        if (!payload.restart) fail(payload.error);
      });
      const previous = this.deps.previousMember;
      c.on(c.events.GROUP_JOIN, ({ payload }) => previous?.record(payload.memberId));
      await previous?.leave(kafka, consumerGroupId);
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      let broken = false;
      const writer = producer;
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          // After a failure nothing more is committed: the next writer starts from the committed offsets.
          if (broken || session.stopped) return;
          try {
            await this.eachBatch(payload, writer, consumerGroupId, session);
          } catch (err: unknown) {
            broken = true;
            fail(err);
          }
        },
      });
      this.deps.log('info', `this instance writes bad ${topic} records to ${dlqTopic} (it has partition 0 of group ${groupId})`);
      const outcome = await Promise.race([failed, session.stopping.then(() => undefined)]);
      if (outcome === undefined) this.deps.log('info', `this instance no longer writes ${dlqTopic}`);
      return outcome;
    } catch (err: unknown) {
      return err;
    } finally {
      await consumer?.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
    }
  }

  /** One fetched batch: its bad records to the DLQ and the next offset, in one transaction. */
  private async eachBatch({ batch, heartbeat, resolveOffset, isRunning, isStale }: EachBatchPayload, producer: Producer, consumerGroupId: string, session: Session): Promise<void> {
    const { decoder, topic, dlqTopic, metrics } = this.deps;
    const alive = (): boolean => isRunning() && !isStale() && !session.stopped;
    for (let wait = 200; (await decoder.prepare(batch.messages.map((m) => m.value))) !== undefined; wait = Math.min(wait * 2, 10_000)) {
      if (!alive()) return;
      await heartbeat();
      await sleep(wait);
    }
    const messages: Message[] = [];
    const reasons: DlqReason[] = [];
    for (const m of batch.messages) {
      const record = readPropertyRecord(decoder, m);
      // Not resolved: the batch is fetched again and prepared again.
      if (record.kind === 'retry') return;
      if (record.kind !== 'bad') continue;
      const source = { topic, partition: batch.partition, offset: m.offset };
      messages.push(dlqRecord(m, source, record.reason, record.message, this.deps.maxRecordBytes));
      reasons.push(record.reason);
    }
    if (!alive()) return;
    const last = batch.lastOffset();
    const tx = await producer.transaction();
    try {
      for (const request of splitRequests([{ topic: dlqTopic, messages }], this.deps.maxRecordBytes)) await tx.sendBatch({ topicMessages: request, compression: this.deps.compression });
      await tx.sendOffsets({ consumerGroupId, topics: [{ topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
      await tx.commit();
    } catch (err: unknown) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    for (const reason of reasons) metrics?.recordsDlq.inc({ topic, reason });
    resolveOffset(last);
    await heartbeat();
  }
}
