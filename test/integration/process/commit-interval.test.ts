import type { BatchResult } from '../../../src/process/batch-task';
import { Processor } from '../../../src/process/processor';
import { leadEvent, leadsOfPartition } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * processing.commitIntervalMs: records that reach a partition within the interval after its last
 * transaction wait and go together in the next one, instead of one transaction per arrival; a
 * full batch does not wait. Every record is still scored once.
 */
jest.setTimeout(180_000);

async function run(pipe: TestPipeline, env: Record<string, string>, sends: number[][]): Promise<{ batches: BatchResult[]; scored: number }> {
  const config = pipe.config(env);
  const batches: BatchResult[] = [];
  const processor = new Processor(config, pipe.kafka, config.registryUrl, { onLog: () => undefined, onBatch: (_p, result) => batches.push(result) });
  await processor.start();
  const total = sends.reduce((n, s) => n + s.length, 0);
  try {
    const until = async (done: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    // The first send is scored alone (no transaction before it): the rest arrive within the interval after it, in separate requests.
    const [first = [], ...rest] = sends;
    await pipe.produce(pipe.names.lead, first.map((i) => leadEvent(i)));
    await until(() => batches.length > 0);
    for (const leads of rest) {
      await pipe.produce(pipe.names.lead, leads.map((i) => leadEvent(i)));
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => batches.reduce((n, b) => n + b.records, 0) >= total);
  } finally {
    await processor.stop();
  }
  return { batches, scored: batches.reduce((n, b) => n + b.scored, 0) };
}

describe('processing.commitIntervalMs', () => {
  it('puts what arrives within the interval in one transaction', async () => {
    const pipe = new TestPipeline();
    try {
      await pipe.setUp();
      const leads = leadsOfPartition(0, 2, 6);
      const sends = leads.map((i) => [i]);
      const { batches, scored } = await run(pipe, { SCORESTREAM_PROCESSING_COMMIT_INTERVAL_MS: '5000' }, sends);
      expect(scored).toBe(6);
      // The first record goes at once (no transaction before it); the five after it wait for the interval, together.
      expect(batches.map((b) => b.records)).toEqual([1, 5]);
    } finally {
      await pipe.cleanup();
    }
  });

  it('does not hold back a full batch', async () => {
    const pipe = new TestPipeline();
    try {
      await pipe.setUp();
      const leads = leadsOfPartition(0, 2, 9);
      const { batches, scored } = await run(pipe, { SCORESTREAM_PROCESSING_COMMIT_INTERVAL_MS: '60000', SCORESTREAM_BATCH_MAX_RECORDS: '4' }, [[leads[0] as number], leads.slice(1)]);
      expect(scored).toBe(9);
      // The interval has not passed, but four records are a full batch: they go, twice.
      expect(batches.map((b) => b.records)).toEqual([1, 4, 4]);
    } finally {
      await pipe.cleanup();
    }
  });
});
