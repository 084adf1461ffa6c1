import client from 'prom-client';
import { createMetrics } from '../../../src/ops/metrics';
import { Processor } from '../../../src/process/processor';
import { generateHistory } from '../../../src/synth/generate';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * scorestream_record_stage_seconds accounts for each input record's time until its outputs are
 * committed, stage by stage: every record once in each stage, the fetch stage measured from the
 * record's own timestamp, and the four stages adding up to the end-to-end time.
 */
jest.setTimeout(120_000);

interface Summary {
  count: number;
  sum: number;
  buckets: Map<number, number>;
}

async function summary(h: client.Histogram<string>, stage?: string): Promise<Summary> {
  const { name, values } = await h.get();
  const mine = values.filter((v) => stage === undefined || v.labels.stage === stage);
  const one = (suffix: string): number => mine.find((v) => v.metricName === `${name}${suffix}`)?.value ?? 0;
  const buckets = new Map(mine.filter((v) => v.metricName === `${name}_bucket`).map((v) => [Number((v.labels as Record<string, string | number | undefined>).le), v.value]));
  return { count: one('_count'), sum: one('_sum'), buckets };
}

it('accounts for every record in each stage, from its timestamp to the commit', async () => {
  const pipe = new TestPipeline();
  const metrics = createMetrics(new client.Registry());
  try {
    await pipe.setUp();
    const history = generateHistory({ leads: 40, seed: 43 });
    await pipe.produce(pipe.names.property, history.propertyEvents);
    const events = [...history.leadEvents, ...history.engagementEvents].sort((a, b) => a.occurred_at - b.occurred_at);
    // Stamped a minute back, as records that waited in the topic before the processor started.
    await pipe.produceInOrder(events, Date.now() - 60_000 - events.length);
    const config = pipe.config({ SCORESTREAM_BATCH_MAX_RECORDS: '64' });
    const processor = new Processor(config, pipe.kafka, config.registryUrl, { metrics, onLog: () => undefined });
    await processor.start();
    try {
      const deadline = Date.now() + 90_000;
      const processed = async (): Promise<number> => (await metrics.recordsIn.get()).values.reduce((a, v) => a + v.value, 0);
      while ((await processed()) < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await processor.stop();
    }
    const stages = await Promise.all(['fetch', 'merge', 'compute', 'commit'].map((s) => summary(metrics.stageSeconds, s)));
    expect(stages.map((s) => s.count)).toEqual([events.length, events.length, events.length, events.length]);
    // Every record waited a minute in the topic: its fetch stage starts at its timestamp.
    const fetch = stages[0] as Summary;
    expect(fetch.buckets.get(30)).toBe(0);
    // The stages partition each record's time: together they make the end-to-end latency, which is
    // observed a moment after the commit.
    const endToEnd = await summary(metrics.endToEnd);
    expect(endToEnd.count).toBe(events.length);
    const staged = stages.reduce((a, s) => a + s.sum, 0);
    expect(staged).toBeLessThanOrEqual(endToEnd.sum + 1e-6);
    expect(endToEnd.sum - staged).toBeLessThan(events.length * 0.05);
  } finally {
    await pipe.cleanup();
  }
});
