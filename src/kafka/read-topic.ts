import type { Kafka, KafkaMessage } from 'kafkajs';
import { ScorestreamError } from '../errors';

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
 * group. For tools and tests that need "everything up to a known record", not for the hot path.
 */
export async function readTopic(kafka: Kafka, options: ReadTopicOptions): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: options.groupId, readUncommitted: !options.readCommitted });
  const records: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ScorestreamError('SMOKE_FAILED', `read ${records.length} records of ${options.topic} in ${options.timeoutMs} ms without reaching the expected end`)),
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
