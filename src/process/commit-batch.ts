import { CompressionTypes, type Consumer, type Producer, type RecordMetadata } from 'kafkajs';
import { splitRequests, type TopicMessages } from '../publish/split-requests';
import type { StateStore } from '../state/store';
import type { ComputedBatch } from './batch-task';

/**
 * How the batch's records are written: compressed (kafka.compression) for fewer bytes on the wire
 * and on disk, and split so that no record batch passes the broker's limit. The split
 * (splitRequests) counts bytes before compression: it holds however well the records compress.
 */
export interface WriteOptions {
  readonly maxBatchBytes: number;
  readonly compression: CompressionTypes;
}

const CODECS = { gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, snappy: CompressionTypes.Snappy, none: CompressionTypes.None } as const;

/** The codec `kafka.compression` names (lz4 and snappy are registered by registerCodecs). */
export function compressionOf(setting: keyof typeof CODECS): CompressionTypes {
  return CODECS[setting];
}

/**
 * The checkpoint order, written down once: the outputs, the changelog of the touched leads, the
 * DLQ records and the consumed offsets of both inputs go in one transaction; only after it commits
 * do the states reach RocksDB, with the changelog offset they correspond to. If anything fails
 * before, nothing of the batch is visible and it is read again.
 */
export async function commitBatch(batch: ComputedBatch, producer: Producer, groupId: string, changelog: string, store: StateStore, write: WriteOptions): Promise<void> {
  const tx = await producer.transaction();
  let changelogEnd: bigint | undefined;
  try {
    changelogEnd = await send(batch, changelog, write.maxBatchBytes, (topicMessages) => tx.sendBatch({ topicMessages, compression: write.compression }));
    await tx.sendOffsets({
      consumerGroupId: groupId,
      topics: batch.offsets.map(({ topic, offset }) => ({ topic, partitions: [{ partition: batch.partition, offset }] })),
    });
    await tx.commit();
  } catch (err: unknown) {
    await tx.abort().catch(() => undefined);
    throw err;
  }
  if (changelogEnd !== undefined && batch.states.length > 0) await store.apply(batch.partition, batch.states, changelogEnd);
}

/**
 * Sends the batch's records in as many requests as the broker's batch limit needs, in order, and
 * returns the changelog offset after the batch's last state (what RocksDB is checkpointed at).
 */
async function send(batch: ComputedBatch, changelog: string, maxBatchBytes: number, sendBatch: (topicMessages: TopicMessages[]) => Promise<RecordMetadata[]>): Promise<bigint | undefined> {
  let changelogEnd: bigint | undefined;
  for (const request of splitRequests(batch.topicMessages, maxBatchBytes)) {
    const metadata = await sendBatch(request);
    const states = request.find((t) => t.topic === changelog)?.messages.length ?? 0;
    const meta = metadata.find((m) => m.topicName === changelog && m.partition === batch.partition);
    if (states > 0 && meta?.baseOffset !== undefined) changelogEnd = BigInt(meta.baseOffset) + BigInt(states);
  }
  return changelogEnd;
}

/**
 * processing.guarantee=at_least_once: the same writes without a transaction. The outputs and the
 * changelog are acknowledged before the offsets are committed and before RocksDB is written, so
 * nothing is lost; a crash in between writes the batch's outputs again.
 */
export async function commitAtLeastOnce(batch: ComputedBatch, producer: Producer, consumer: Consumer, changelog: string, store: StateStore, write: WriteOptions): Promise<void> {
  const changelogEnd = await send(batch, changelog, write.maxBatchBytes, (topicMessages) => producer.sendBatch({ topicMessages, compression: write.compression, acks: -1 }));
  await consumer.commitOffsets(batch.offsets.map(({ topic, offset }) => ({ topic, partition: batch.partition, offset })));
  if (changelogEnd !== undefined && batch.states.length > 0) await store.apply(batch.partition, batch.states, changelogEnd);
}
