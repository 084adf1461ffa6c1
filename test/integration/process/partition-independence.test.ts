import type { KafkaMessage } from 'kafkajs';
import { Processor } from '../../../src/process/processor';
import { leadEvent, leadsOfPartition } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * A partition whose batch is held (a slow commit, a rate limit) holds back no other partition:
 * records produced to partition 1 while partition 0's batch waits are fetched, scored and
 * committed. KafkaJS fetches a broker's partitions again only once every batch of its last fetch
 * is handed back, so this holds only if the processing is not done inside that hand-back.
 */
jest.setTimeout(180_000);

const PARTITIONS = 2;

const leadsOf = (partition: number, count: number, from: number): number[] => leadsOfPartition(partition, PARTITIONS, count, from);

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('goes on committing the other partitions while one partition waits', async () => {
  const pipe = new TestPipeline();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  try {
    await pipe.setUp();
    const config = pipe.config();
    const processor = new Processor(config, pipe.kafka, config.registryUrl, { onLog: () => undefined }, {
      groupId: config.appId,
      // Partition 0's first batch waits until the test lets it go.
      beforeBatch: async (partition) => {
        if (partition !== 0 || holding) return;
        holding = true;
        await held;
      },
    });
    await processor.start();
    try {
      const [first0, second0] = [leadsOf(0, 3, 0), leadsOf(0, 3, 1_000)];
      const [first1, second1] = [leadsOf(1, 3, 0), leadsOf(1, 3, 1_000)];
      await pipe.produce(pipe.names.lead, [...first0, ...first1].map((i) => leadEvent(i)));
      await waitFor('partition 0 to be held', () => holding);
      await waitFor('partition 1 to be scored', async () => (await pipe.readAll(pipe.names.outputs.lead_scorer)).length === first1.length);

      // Partition 0 is still held: what partition 1 receives now is scored all the same.
      await pipe.produce(pipe.names.lead, [...second0, ...second1].map((i) => leadEvent(i)));
      await waitFor('the later records of partition 1 to be scored', async () => (await pipe.readAll(pipe.names.outputs.lead_scorer)).length === first1.length + second1.length);
      const scored = (await pipe.readAll(pipe.names.outputs.lead_scorer)).map((m: KafkaMessage) => m.key?.toString());
      expect(new Set(scored)).toEqual(new Set([...first1, ...second1].map((i) => `lead-${i}`)));

      release();
      const all = first0.length + second0.length + first1.length + second1.length;
      await waitFor('every record to be scored', async () => (await pipe.readAll(pipe.names.outputs.lead_scorer)).length === all);
      const keys = (await pipe.readAll(pipe.names.outputs.lead_scorer)).map((m: KafkaMessage) => m.key?.toString());
      expect(keys).toHaveLength(all);
      expect(new Set(keys).size).toBe(all);
    } finally {
      release();
      await processor.stop();
    }
  } finally {
    await pipe.cleanup();
  }
});
