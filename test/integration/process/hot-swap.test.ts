import fs from 'node:fs';
import path from 'node:path';
import client from 'prom-client';
import { createMetrics, METRIC } from '../../../src/ops/metrics';
import { Processor } from '../../../src/process/processor';
import type { EngagementEvent, LeadEvent, LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { MODELS_DIR, addVersion, scratchModels } from '../../helpers/models';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * (d) A hot swap under load: the processor serves lead_scorer 1.0.0 from a models directory
 * polled every 200 ms while events stream in; 1.1.0 is dropped in (copied beside, then renamed
 * into place, as the README says), later a broken 1.2.0. Every output is scored by 1.0.0 or 1.1.0
 * wholly (its value is that version's score for its feature row), once switched it stays switched,
 * the switch is logged and counted once, and the broken version is refused while 1.1.0 serves.
 */
jest.setTimeout(300_000);

type Event = LeadEvent | EngagementEvent;

describe('hot model swap under load', () => {
  const pipe = new TestPipeline();
  const models = scratchModels();
  const history = generateHistory({ leads: 200, seed: 31 });
  const ordered: Event[] = [...history.leadEvents, ...history.engagementEvents]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.occurred_at - b.e.occurred_at || a.i - b.i)
    .map((x) => x.e);
  const logs: string[] = [];
  const metrics = createMetrics(new client.Registry());

  beforeAll(async () => {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
  });
  afterAll(async () => {
    await pipe.cleanup();
    fs.rmSync(models, { recursive: true, force: true });
  });

  it('switches between batches, every record scored wholly by one version, a broken version refused', async () => {
    const config = pipe.config({ SCORESTREAM_MODELS_DIR: models, SCORESTREAM_MODELS_POLL_MS: '200', SCORESTREAM_BATCH_MAX_RECORDS: '64' });
    const processor = new Processor(config, pipe.kafka, config.registryUrl, { metrics, onLog: (_l, m) => logs.push(m) });
    await processor.start();
    try {
      const chunks = 12;
      const size = Math.ceil(ordered.length / chunks);
      let base = Date.now();
      for (let i = 0; i < chunks; i++) {
        base = (await pipe.produceInOrder(ordered.slice(i * size, (i + 1) * size), base)) + size;
        if (i === 3) {
          // An operator's drop: the whole version directory appears at once.
          fs.cpSync(path.join(MODELS_DIR, 'lead_scorer', '1.1.0'), path.join(models, 'lead_scorer', '.incoming-1.1.0'), { recursive: true });
          fs.renameSync(path.join(models, 'lead_scorer', '.incoming-1.1.0'), path.join(models, 'lead_scorer', '1.1.0'));
        }
        if (i === 8) addVersion(models, 'lead_scorer', '1.1.0', '1.2.0', (files) => files.set('model.int8-static.onnx', Buffer.from('truncated')), true);
        await new Promise((r) => setTimeout(r, 300));
      }
      const [v10, v11] = await Promise.all([expectedScores(history.propertyEvents, ordered, '1.0.0'), expectedScores(history.propertyEvents, ordered, '1.1.0')]);
      await pipe.read(pipe.names.outputs.lead_scorer, v10.size);
      const records = await pipe.readAll(pipe.names.outputs.lead_scorer);
      expect(records).toHaveLength(v10.size);

      const versions = new Map<string, number>();
      const switchedAt = new Map<string, bigint>();
      for (const m of records) {
        const v = header(m, 'x-model-version') as string;
        const value = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
        versions.set(v, (versions.get(v) ?? 0) + 1);
        expect(['1.0.0', '1.1.0']).toContain(v);
        expect(value.model_version).toBe(v);
        // Wholly one version: the value is exactly what that version gives this record's features.
        expect(value.conversion_probability).toBe((v === '1.0.0' ? v10 : v11).get(value.event_id)?.lead);
        const p = header(m, 'x-source-partition') as string;
        const offset = BigInt(m.offset);
        if (v === '1.1.0' && (!switchedAt.has(p) || offset < (switchedAt.get(p) as bigint))) switchedAt.set(p, offset);
      }
      expect(versions.get('1.0.0')).toBeGreaterThan(0);
      expect(versions.get('1.1.0')).toBeGreaterThan(0);
      // Once a partition's outputs switched, they stay switched.
      for (const m of records) {
        const at = switchedAt.get(header(m, 'x-source-partition') as string);
        if (at !== undefined && BigInt(m.offset) > at) expect(header(m, 'x-model-version')).toBe('1.1.0');
      }
      expect(logs.filter((l) => /model lead_scorer switched from 1\.0\.0 to 1\.1\.0/.test(l))).toHaveLength(1);
      expect(logs.filter((l) => /model lead_scorer 1\.2\.0 refused, 1\.1\.0 keeps serving/.test(l))).toHaveLength(1);
      const swaps = (await metrics.registry.getSingleMetric(METRIC.modelSwaps)?.get())?.values ?? [];
      expect(swaps.filter((s) => s.labels.model === 'lead_scorer').map((s) => [s.labels.version, s.value])).toEqual([
        ['1.0.0', 1],
        ['1.1.0', 1],
      ]);
      expect(processor.health().models.find((h) => h.model === 'lead_scorer')).toMatchObject({ version: '1.1.0' });
    } finally {
      await processor.stop();
    }
  });
});
