import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import { MergedPartitions } from '../../../src/process/merged-partitions';

/**
 * A partition whose merge waits for the other input asks the broker where that input ends. With
 * every partition of a fetch round blocked at once (the usual case at low input rates), they share
 * one request instead of one each. A fake admin counts the requests (pure logic: the merge's
 * behaviour on the real broker is tested in test/integration/process).
 */
const message = (offset: number, timestamp: number): KafkaMessage =>
  ({ offset: String(offset), timestamp: String(timestamp), key: null, value: null, attributes: 0, headers: {} }) as KafkaMessage;

function fakes(partitions: number): { consumer: Consumer; admin: Admin; requests: () => number } {
  let requests = 0;
  const consumer = { on: () => () => undefined, events: { END_BATCH_PROCESS: 'end' }, pause: () => undefined, resume: () => undefined } as unknown as Consumer;
  const admin = {
    fetchTopicOffsets: async () => {
      requests++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      // Every partition of the engagement side is empty: the lead side need not wait.
      return Array.from({ length: partitions }, (_, partition) => ({ partition, offset: '0', high: '0', low: '0' }));
    },
    fetchOffsets: async () => [{ topic: 'engagement', partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, offset: '0' })) }],
  } as unknown as Admin;
  return { consumer, admin, requests: () => requests };
}

describe('merged partitions waiting for the other input', () => {
  it('share one offsets request when blocked together, and ask again later', async () => {
    const partitions = 6;
    const { consumer, admin, requests } = fakes(partitions);
    const merged = new MergedPartitions(consumer, admin, 'group', ['lead', 'engagement']);
    for (let p = 0; p < partitions; p++) {
      const merge = merged.get(p);
      merge.setPosition(0, 0n);
      merge.offer(0, [message(0, 1_000)]);
    }
    const taken = await Promise.all(Array.from({ length: partitions }, (_, p) => merged.take(p, 10)));
    expect(taken.map((t) => t.length)).toEqual(Array(partitions).fill(1));
    expect(requests()).toBe(1);
    // A later wait is a new question: the answer of the one before is not reused.
    merged.get(0).commit(taken[0] ?? []);
    merged.get(0).offer(0, [message(1, 2_000)]);
    expect(await merged.take(0, 10)).toHaveLength(1);
    expect(requests()).toBe(2);
    merged.close();
  });
});
