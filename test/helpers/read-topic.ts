import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { untilEndOffsets } from '../../src/kafka/end-offsets';

export interface ReadTopicOptions {
  readonly topic: string;
  readonly groupId: string;
  /** true: read_committed (what scorestream and its users read); false: read_uncommitted. */
  readonly readCommitted: boolean;
  /** Stop once this returns true for the records read so far. */
  readonly until: (records: readonly KafkaMessage[]) => boolean;
  readonly timeoutMs: number;
}

/**
 * Reads a topic from the beginning in a fresh consumer group until `until` holds, then leaves the
 * group, for tests that need "everything up to a known record".
 */
export async function readTopic(kafka: Kafka, options: ReadTopicOptions): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: options.groupId, readUncommitted: !options.readCommitted });
  const records: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} records of ${options.topic} in ${options.timeoutMs} ms without reaching the expected end`)),
        options.timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            records.push(message);
            if (options.until(records)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err);
        });
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Reads everything a topic holds now (up to the end offsets taken when it starts), from the
 * beginning, in a fresh consumer group. Unlike `readTopic` it does not stop at a count, so a test
 * can tell that nothing beyond the expected records is there.
 */
export async function readToEnd(kafka: Kafka, admin: Admin, options: Omit<ReadTopicOptions, 'until'>): Promise<KafkaMessage[]> {
  const ends = new Map((await admin.fetchTopicOffsets(options.topic)).map((o) => [o.partition, BigInt(o.high)]));
  const records: KafkaMessage[] = [];
  if ([...ends.values()].every((end) => end === 0n)) return records;
  const consumer = kafka.consumer({ groupId: options.groupId, readUncommitted: !options.readCommitted, maxWaitTimeInMs: 200 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    const done = untilEndOffsets(consumer, ends);
    const running = consumer.run({
      eachMessage: async ({ message, partition }) => {
        if (BigInt(message.offset) < (ends.get(partition) ?? 0n)) records.push(message);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.topic} not read to its end within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    try {
      await Promise.race([done, timeout, running.then(() => new Promise<never>(() => undefined))]);
    } finally {
      clearTimeout(timer);
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}
