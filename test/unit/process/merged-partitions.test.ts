import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import { MergedPartitions } from '../../../src/process/merged-partitions';

/**
 * The merges' bookkeeping around the consumer, with a fake consumer and admin (pure logic: the
 * merge's behaviour on the real broker is tested in test/integration/process): one offsets request
 * for partitions blocked together, the pauses of a full buffer, and a delivery that comes while
 * the broker is asked.
 */
const message = (offset: number, timestamp: number): KafkaMessage =>
  ({ offset: String(offset), timestamp: String(timestamp), key: null, value: null, attributes: 0, headers: {} }) as KafkaMessage;

/** A consumer that only records its pauses and resumes, by topic. */
function recordingConsumer(calls: string[]): Consumer {
  return {
    on: () => () => undefined,
    events: { END_BATCH_PROCESS: 'end' },
    pause: (tps: { topic: string }[]) => calls.push(`pause ${tps[0]?.topic}`),
    resume: (tps: { topic: string }[]) => calls.push(`resume ${tps[0]?.topic}`),
  } as unknown as Consumer;
}

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

describe('a side whose buffer is full', () => {
  it('is paused at the limit, resumed at half of it, and a wait on the other side does not resume it', async () => {
    const calls: string[] = [];
    const consumer = recordingConsumer(calls);
    const admin = {
      // The engagement side has a record not delivered yet: the lead side waits for it.
      fetchTopicOffsets: async () => [{ partition: 0, offset: '1', high: '1', low: '0' }],
      fetchOffsets: async () => [{ topic: 'engagement', partitions: [{ partition: 0, offset: '0' }] }],
    } as unknown as Admin;
    const merged = new MergedPartitions(consumer, admin, 'group', ['lead', 'engagement']);
    const merge = merged.get(0);
    merge.setPosition(0, 0n);
    merge.offer(0, Array.from({ length: 8 }, (_, i) => message(i, 1_000 + i)));
    merged.bound(0, 0, 8);
    expect(calls).toEqual(['pause lead']);
    // Blocked on the engagement side: paused for that reason too, already paused, no new call.
    expect(await merged.take(0, 10)).toEqual([]);
    expect(calls).toEqual(['pause lead']);
    // The engagement side delivers: the wait ends, but the lead side's buffer is still full.
    merged.get(0).offer(1, [message(0, 500)]);
    (merged as unknown as { resume(p: number, s: number): void }).resume(0, 0);
    expect(calls).toEqual(['pause lead']);
    // The engagement record goes first, alone (the merge stops where the other side runs dry).
    const first = await merged.take(0, 5);
    expect(first.map((r) => r.side)).toEqual([1]);
    merged.get(0).commit(first);
    merged.bound(0, 0, 8);
    expect(calls).toEqual(['pause lead']);
    // Then five lead records: three are left, under half the limit.
    const next = await merged.take(0, 5);
    expect(next.map((r) => r.side)).toEqual([0, 0, 0, 0, 0]);
    merged.get(0).commit(next);
    merged.bound(0, 0, 8);
    expect(calls).toEqual(['pause lead', 'resume lead']);
    merged.close();
  });
});

describe('a side delivered while the broker is asked about it', () => {
  it('lets the merge go on, and pauses nothing', async () => {
    const calls: string[] = [];
    const consumer = recordingConsumer(calls);
    let merged: MergedPartitions | undefined;
    const admin = {
      fetchTopicOffsets: async () => {
        // The engagement record the answer counts arrives before the answer does.
        merged?.get(0).offer(1, [message(0, 1_500)]);
        return [{ partition: 0, offset: '1', high: '1', low: '0' }];
      },
      fetchOffsets: async () => [{ topic: 'engagement', partitions: [{ partition: 0, offset: '0' }] }],
    } as unknown as Admin;
    merged = new MergedPartitions(consumer, admin, 'group', ['lead', 'engagement']);
    const merge = merged.get(0);
    merge.setPosition(0, 0n);
    merge.offer(0, [message(0, 1_000), message(1, 2_000)]);
    const taken = await merged.take(0, 10);
    // What the merge can order now: the lead record, then the engagement record stamped after it
    // (the next lead record waits until the engagement side is known to hold nothing before it).
    expect(taken.map((r) => `${r.side}:${r.message.offset}`)).toEqual(['0:0', '1:0']);
    expect(calls).toEqual([]);
    merged.close();
  });
});
