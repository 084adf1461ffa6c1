/**
 * The passthrough and the I/O floor on librdkafka, through `@confluentinc/kafka-javascript`'s
 * KafkaJS-compatible API, for the client comparison. It is not a dependency of scorestream: it
 * builds librdkafka from source where its prebuilt binary cannot be downloaded, which needs
 * compilers and development packages a user's machine may not have. `BENCH_CKJS_DIR` names a
 * directory where it is installed (bench/README.md says how); without it these scenarios are
 * left out. The scenario is the KafkaJS one with the client swapped: the same consumer settings,
 * one transactional producer per input partition, one transaction per batch with its offsets.
 */
import path from 'node:path';
import type { Message } from 'kafkajs';

type Headers = Record<string, string | Buffer>;
interface CkMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly headers?: Headers;
}
interface CkBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: CkMessage[];
}
interface CkTransaction {
  sendBatch(args: { topicMessages: { topic: string; messages: Message[] }[] }): Promise<unknown>;
  sendOffsets(args: { consumer: CkConsumer; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface CkProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<CkTransaction>;
}
interface CkConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(args: { topics: string[] }): Promise<void>;
  assignment(): { topic: string; partition: number }[];
  run(args: { partitionsConsumedConcurrently: number; eachBatchAutoResolve: boolean; eachBatch(payload: { batch: CkBatch; resolveOffset(offset: string): void }): Promise<void> }): Promise<void>;
}
interface CkKafka {
  producer(config: Record<string, unknown>): CkProducer;
  consumer(config: Record<string, unknown>): CkConsumer;
}
interface CkModule {
  readonly KafkaJS: { Kafka: new (config: Record<string, unknown>) => CkKafka; CompressionTypes: Record<string, string> };
}

/** The installed module, or undefined when BENCH_CKJS_DIR is not set. */
export function loadLibrdkafka(): CkModule | undefined {
  const dir = process.env.BENCH_CKJS_DIR;
  if (!dir) return undefined;
  return require(require.resolve('@confluentinc/kafka-javascript', { paths: [path.resolve(dir)] })) as CkModule;
}

export function librdkafkaVersion(): string | undefined {
  const dir = process.env.BENCH_CKJS_DIR;
  if (!dir) return undefined;
  const pkg = require.resolve('@confluentinc/kafka-javascript/package.json', { paths: [path.resolve(dir)] });
  return (require(pkg) as { version: string }).version;
}

export interface CopySettings {
  readonly brokers: readonly string[];
  readonly group: string;
  readonly topics: readonly string[];
  /** KafkaJS's codec name (gzip, snappy, lz4, none). */
  readonly compression: string;
  readonly maxBytesPerPartition: number;
  /** Records per transaction at most (Infinity: a whole batch). */
  readonly maxRecords: number;
  /**
   * per-partition: a transactional producer per input partition, a transaction per batch (as the
   * processor does with KafkaJS). one: a single producer for every partition (KIP-447 fences by
   * the consumer's group generation, so librdkafka needs no producer per partition), each
   * transaction taking every batch that waited for the one before: a commit interval that is the
   * time of one transaction.
   */
  readonly producers: 'per-partition' | 'one';
}

export interface LibrdkafkaCopy {
  stop(): Promise<void>;
}

/**
 * Consumes `topics` (read_committed, from the beginning) and writes what `write` makes of each
 * batch with its offsets in one transaction of the partition's producer; `onReady` at the first
 * assignment, `onCommitted` after each transaction.
 */
export async function librdkafkaCopy(
  ck: CkModule,
  s: CopySettings,
  write: (topic: string, partition: number, messages: readonly Message[] & readonly { offset: string }[]) => { topic: string; messages: Message[] }[],
  onReady: () => void,
  onCommitted: (records: number) => void,
): Promise<LibrdkafkaCopy> {
  const kafka = new ck.KafkaJS.Kafka({ kafkaJS: { brokers: [...s.brokers], clientId: `bench-librdkafka-${s.group}` } });
  const producers = new Map<string, Promise<CkProducer>>();
  const producer = (topic: string, partition: number): Promise<CkProducer> => {
    const key = `${topic}-${partition}`;
    let p = producers.get(key);
    if (!p) {
      p = (async () => {
        const created = kafka.producer({
          kafkaJS: { transactionalId: `${s.group}-${key}`, idempotent: true, maxInFlightRequests: 1, ...(s.compression === 'none' ? {} : { compression: s.compression }) },
        });
        await created.connect();
        return created;
      })();
      producers.set(key, p);
    }
    return p;
  };
  const consumer = kafka.consumer({
    kafkaJS: { groupId: s.group, fromBeginning: true, autoCommit: false, readUncommitted: false },
    'fetch.max.bytes': 10_485_760,
    'max.partition.fetch.bytes': s.maxBytesPerPartition,
    // Unbounded: each batch is what the partition has (as KafkaJS's is one fetch's); cut below.
    // Bounded, the client starts from batches of one record and grows them with the rate it
    // measures, which a transaction per batch keeps low.
    'js.consumer.max.batch.size': -1,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...s.topics] });
  const readyTimer = setInterval(() => {
    if (consumer.assignment().length === 0) return;
    clearInterval(readyTimer);
    onReady();
  }, 50);
  interface Waiting {
    readonly batch: CkBatch;
    readonly messages: (Message & { offset: string })[];
    readonly done: { resolve: () => void; reject: (err: unknown) => void };
  }
  let waiting: Waiting[] = [];
  let pumping: Promise<void> | undefined;
  // One transaction at a time on the one producer, each holding every chunk queued meanwhile.
  const pump = async (p: CkProducer): Promise<void> => {
    while (waiting.length > 0) {
      const taken = waiting;
      waiting = [];
      const tx = await p.transaction();
      try {
        await tx.sendBatch({ topicMessages: taken.flatMap((w) => write(w.batch.topic, w.batch.partition, w.messages)) });
        const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
        for (const w of taken) offsets.set(`${w.batch.topic}:${w.batch.partition}`, { topic: w.batch.topic, partition: w.batch.partition, offset: (BigInt((w.messages[w.messages.length - 1] as { offset: string }).offset) + 1n).toString() });
        await tx.sendOffsets({ consumer, topics: [...offsets.values()].map((o) => ({ topic: o.topic, partitions: [{ partition: o.partition, offset: o.offset }] })) });
        await tx.commit();
        for (const w of taken) onCommitted(w.messages.length);
        taken.forEach((w) => w.done.resolve());
      } catch (err: unknown) {
        process.stderr.write(`librdkafka copy: ${err instanceof Error ? err.message : String(err)}\n`);
        await tx.abort().catch(() => undefined);
        taken.forEach((w) => w.done.reject(err));
      }
    }
    pumping = undefined;
  };
  const queueChunk = (p: CkProducer, batch: CkBatch, chunk: readonly CkMessage[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ batch, messages: chunk.map((m) => ({ key: m.key, value: m.value, offset: m.offset, headers: m.headers ?? {} })), done: { resolve, reject } });
      pumping ??= pump(p);
    });
  const copyChunk = async (p: CkProducer, batch: CkBatch, chunk: readonly CkMessage[]): Promise<void> => {
    const messages = chunk.map((m) => ({ key: m.key, value: m.value, offset: m.offset, headers: m.headers ?? {} }));
    const tx = await p.transaction();
    try {
      await tx.sendBatch({ topicMessages: write(batch.topic, batch.partition, messages) });
      const next = (BigInt((messages[messages.length - 1] as { offset: string }).offset) + 1n).toString();
      await tx.sendOffsets({ consumer, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      await tx.commit();
    } catch (err: unknown) {
      process.stderr.write(`librdkafka copy: ${batch.topic}[${batch.partition}]: ${err instanceof Error ? err.message : String(err)}\n`);
      await tx.abort().catch(() => undefined);
      throw err;
    }
    onCommitted(messages.length);
  };
  await consumer.run({
    partitionsConsumedConcurrently: 12,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      const p = s.producers === 'one' ? await producer('all', 0) : await producer(batch.topic, batch.partition);
      const copy = s.producers === 'one' ? queueChunk : copyChunk;
      for (let start = 0; start < batch.messages.length; start += s.maxRecords) {
        const chunk = batch.messages.slice(start, start + s.maxRecords);
        await copy(p, batch, chunk);
        // Committed: not to be delivered again.
        resolveOffset((chunk[chunk.length - 1] as CkMessage).offset);
      }
    },
  });
  return {
    stop: async () => {
      clearInterval(readyTimer);
      await consumer.disconnect();
      for (const p of producers.values()) await (await p).disconnect();
    },
  };
}
