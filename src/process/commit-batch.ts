import { CompressionTypes, type Consumer, type Producer } from 'kafkajs';
import type { StateStore } from '../state/store';
import type { ComputedBatch } from './batch-task';

/**
 * Compressed: each partition's records go out as one record batch, and the changelog of up to
 * batch.maxRecords leads can pass the broker's 1 MiB limit as JSON (measured: 1.3 MiB for the 512
 * largest synthetic leads); a batch the broker refuses would be retried forever.
 */
export const OUTPUT_COMPRESSION = CompressionTypes.GZIP;

/**
 * The checkpoint order, written down once: the outputs, the changelog of the touched leads, the
 * DLQ records and the consumed offsets of both inputs go in one transaction; only after it commits
 * do the states reach RocksDB, with the changelog offset they correspond to. If anything fails
 * before, nothing of the batch is visible and it is read again.
 */
export async function commitBatch(batch: ComputedBatch, producer: Producer, groupId: string, changelog: string, store: StateStore): Promise<void> {
  const tx = await producer.transaction();
  let changelogBase: bigint | undefined;
  try {
    if (batch.topicMessages.length > 0) {
      const metadata = await tx.sendBatch({ topicMessages: batch.topicMessages, compression: OUTPUT_COMPRESSION });
      const meta = metadata.find((m) => m.topicName === changelog && m.partition === batch.partition);
      if (meta?.baseOffset !== undefined) changelogBase = BigInt(meta.baseOffset);
    }
    await tx.sendOffsets({
      consumerGroupId: groupId,
      topics: batch.offsets.map(({ topic, offset }) => ({ topic, partitions: [{ partition: batch.partition, offset }] })),
    });
    await tx.commit();
  } catch (err: unknown) {
    await tx.abort().catch(() => undefined);
    throw err;
  }
  if (changelogBase !== undefined && batch.states.length > 0) {
    await store.apply(batch.partition, batch.states, changelogBase + BigInt(batch.states.length));
  }
}

/**
 * processing.guarantee=at_least_once: the same writes without a transaction. The outputs and the
 * changelog are acknowledged before the offsets are committed and before RocksDB is written, so
 * nothing is lost; a crash in between writes the batch's outputs again.
 */
export async function commitAtLeastOnce(batch: ComputedBatch, producer: Producer, consumer: Consumer, changelog: string, store: StateStore): Promise<void> {
  let changelogBase: bigint | undefined;
  if (batch.topicMessages.length > 0) {
    const metadata = await producer.sendBatch({ topicMessages: batch.topicMessages, compression: OUTPUT_COMPRESSION, acks: -1 });
    const meta = metadata.find((m) => m.topicName === changelog && m.partition === batch.partition);
    if (meta?.baseOffset !== undefined) changelogBase = BigInt(meta.baseOffset);
  }
  await consumer.commitOffsets(batch.offsets.map(({ topic, offset }) => ({ topic, partition: batch.partition, offset })));
  if (changelogBase !== undefined && batch.states.length > 0) {
    await store.apply(batch.partition, batch.states, changelogBase + BigInt(batch.states.length));
  }
}
