import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_NAMES } from '../../../src/features/spec';
import { generateHistory } from '../../../src/synth/generate';
import { runCli } from '../../helpers/cli';
import { produceHistory, writeHistoryFiles } from '../../helpers/history-files';
import { TestPipeline } from '../../helpers/pipeline';

interface Metrics {
  readonly fp32: { readonly auc: number };
  readonly true_probability: { readonly auc: number };
  readonly holdout_rows: number;
}

/**
 * The bar the shipped models meet, for models trained on the topics: a 30,000-lead history
 * produced to Kafka, exported at each lead's scoring point with labels read from what happened
 * next, and trained with the newest 20% by event time held out. Each model's holdout AUC must come
 * within 0.01 of the AUC of the probabilities the outcomes were drawn from (the best possible).
 */
describe('scorestream train --from-topics', () => {
  const pipe = new TestPipeline();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-train-auc-'));
  afterAll(async () => {
    await pipe.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains models whose time-based holdout AUC is within 0.01 of the true-probability AUC', async () => {
    await pipe.setUp();
    const history = generateHistory({ leads: 30_000, seed: 42 });
    writeHistoryFiles(history, path.join(dir, 'history'));
    await produceHistory(pipe.kafka, pipe.registry, pipe.names, history);
    const models = path.join(dir, 'models');
    fs.mkdirSync(models);
    const r = await runCli(['train', '--from-topics', '--at', path.join(dir, 'history', 'outcomes.jsonl'), '--out', path.join(dir, 'tables')], pipe.env({ SCORESTREAM_MODELS_DIR: models }), 900_000);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('written to') as unknown });
    const gaps: Record<string, number> = {};
    for (const model of MODEL_NAMES) {
      const manifest = JSON.parse(fs.readFileSync(path.join(models, model, '1.0.0', 'manifest.json'), 'utf8')) as { metrics: Metrics; training: { holdout: { kind: string } } };
      expect(manifest.training.holdout.kind).toBe('time');
      expect(manifest.metrics.holdout_rows).toBeGreaterThan(5_000);
      gaps[model] = manifest.metrics.true_probability.auc - manifest.metrics.fp32.auc;
    }
    for (const model of MODEL_NAMES) expect({ model, within: Math.abs(gaps[model] as number) <= 0.01 }).toEqual({ model, within: true });
  }, 1_200_000);
});
