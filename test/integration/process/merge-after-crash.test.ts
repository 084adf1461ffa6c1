import type { KafkaMessage } from 'kafkajs';
import { MergedPartitions } from '../../../src/process/merged-partitions';
import { generateHistory } from '../../../src/synth/generate';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * The merge pauses the side that waits on the other and resumes it on a timer. A consumer that
 * crashes meanwhile has no group any more (KafkaJS throws "Consumer group was not initialized"
 * from pause and resume): the timer must not call into it, or the process dies of an uncaught
 * exception instead of restarting the consumer or exiting with a reason.
 */
jest.setTimeout(120_000);

describe('the merge of a consumer that crashed', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('neither pauses nor resumes a consumer that has no group', async () => {
    await pipe.setUp();
    // An engagement.events partition with records not fetched yet: the same lead.events partition has to wait for them.
    await pipe.produce(pipe.names.engagement, generateHistory({ leads: 10, seed: 3 }).engagementEvents);
    const offsets = await pipe.admin.fetchTopicOffsets(pipe.names.engagement);
    const p = offsets.find((o) => o.high !== '0')?.partition ?? 0;
    const groupId = `merge-${pipe.id}`;
    const consumer = pipe.kafka.consumer({ groupId });
    await consumer.connect();
    // Subscribed to the waiting side only: the records it waits for stay unfetched.
    await consumer.subscribe({ topics: [pipe.names.lead], fromBeginning: true });
    await consumer.run({ eachBatch: async () => undefined });
    const merged = new MergedPartitions(consumer, pipe.admin, groupId, [pipe.names.lead, pipe.names.engagement]);
    try {
      const message: KafkaMessage = { key: Buffer.from('lead-m'), value: Buffer.from(''), timestamp: String(Date.now() + 60_000), attributes: 0, offset: '0', headers: {} };
      merged.get(p).offer(0, [message]);
      expect(await merged.take(p, 10)).toEqual([]);

      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown): void => void uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      try {
        // What KafkaJS does on a crash: the consumer stops and its group goes.
        await consumer.disconnect();
        merged.reset();
        // Past the resume timer's period, twice.
        await new Promise((r) => setTimeout(r, 2_500));
        // A take after the crash, before the restart, pauses nothing and throws nothing.
        merged.get(p).offer(0, [message]);
        expect(await merged.take(p, 10)).toEqual([]);
        await new Promise((r) => setTimeout(r, 1_500));
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      expect(uncaught.map(String)).toEqual([]);
    } finally {
      merged.close();
      await consumer.disconnect().catch(() => undefined);
    }
  });
});
