import type { Consumer } from 'kafkajs';

/**
 * Resolves once `consumer` has fetched every partition of `ends` (partition -> end offset) up to
 * its end. KafkaJS emits END_BATCH_PROCESS also for fetches that held only transaction markers
 * (which eachBatch never sees), and its lastOffset counts them, so a transactional topic's end
 * is reached too. Partitions with end 0 are empty and count as reached.
 */
export function untilEndOffsets(consumer: Consumer, ends: ReadonlyMap<number, bigint>): Promise<void> {
  const waiting = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  return new Promise((resolve) => {
    if (waiting.size === 0) resolve();
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = ends.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) >= end - 1n) waiting.delete(payload.partition);
      if (waiting.size === 0) resolve();
    });
  });
}
