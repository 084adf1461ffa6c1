import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_NAMES } from '../../../src/features/spec';
import type { LeadEvent } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { runCli } from '../../helpers/cli';
import { produceHistory } from '../../helpers/history-files';
import { copyShippedVersion, scratchModels } from '../../helpers/models';
import { header, TestPipeline } from '../../helpers/pipeline';

/**
 * The loop a team runs on its own topics, end to end, with the commands the product prints: a
 * processor scores the live stream with the shipped models; `scorestream train --from-topics`
 * trains the next version from those topics into the processor's models directory, writing only
 * the models that beat the served ones on the same holdout; the processor switches to what was
 * written; the printed `scorestream replay` command backfills the history with it.
 */
describe('train on the topics, roll out, backfill', () => {
  const pipe = new TestPipeline();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-train-rollout-'));
  const models = scratchModels();
  const processor = new ChildProcessor(pipe.env({ SCORESTREAM_MODELS_DIR: models, SCORESTREAM_MODELS_POLL_MS: '500' }), path.join(dir, 'run.log'));
  afterAll(async () => {
    await processor.kill('SIGTERM').catch(() => undefined);
    await pipe.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(models, { recursive: true, force: true });
  });

  it('a version trained from the topics serves the running processor and re-scores the history', async () => {
    await pipe.setUp();
    copyShippedVersion(models, 'lead_scorer', '1.1.0');
    const history = generateHistory({ leads: 2_000, seed: 29 });
    await produceHistory(pipe.kafka, pipe.registry, pipe.names, history);
    const inputs = history.leadEvents.length + history.engagementEvents.length;
    processor.start();
    await pipe.read(pipe.names.outputs.lead_scorer, inputs, 300_000);

    // Without --force: a model that does worse than the served one on the same holdout is not written.
    const train = await runCli(['train', '--from-topics', '--sample', 'per-lead:10', '--out', path.join(dir, 'tables')], pipe.env({ SCORESTREAM_MODELS_DIR: models }), 600_000);
    expect(train.code).toBe(3);
    expect(train.stdout).toMatch(/lead_scorer .*served 1\.1\.0: 0\.\d+; NOT written/);
    expect(fs.existsSync(path.join(models, 'lead_scorer', '1.2.0'))).toBe(false);
    // Churn trained on these topics' own outcomes beats the shipped 1.0.0 on them: written.
    expect(train.stdout).toMatch(/churn_predictor .*served 1\.0\.0: 0\.\d+; written to/);
    expect(fs.existsSync(path.join(models, 'churn_predictor', '1.2.0', 'manifest.json'))).toBe(true);

    // The running processor verifies and switches; new events are scored by 1.2.0.
    await processor.waitForLog(/model churn_predictor switched from 1\.0\.0 to 1\.2\.0/, 1, 60_000);
    const last = history.leadEvents[history.leadEvents.length - 1] as LeadEvent;
    const fresh: LeadEvent = { ...last, event_id: 'after-rollout', event_type: 'UPDATED', occurred_at: last.occurred_at + 60_000 };
    await pipe.produce(pipe.names.lead, [fresh]);
    const scored = await pipe.read(pipe.names.outputs.churn_predictor, inputs + 1, 120_000);
    const after = scored.find((m) => header(m, 'x-event-id') === 'after-rollout');
    expect(after && header(after, 'x-model-version')).toBe('1.2.0');

    // The backfill command train printed, run as printed.
    const command = /scorestream (replay --topic lead\.events .*--model churn_predictor@1\.2\.0 .*)$/m.exec(train.stdout)?.[1];
    expect(command).toBeDefined();
    expect(train.stdout).not.toMatch(/--model lead_scorer@1\.2\.0/);
    const replay = await runCli((command as string).split(' '), pipe.env({ SCORESTREAM_MODELS_DIR: models }), 600_000);
    expect({ code: replay.code, stderr: replay.code === 0 ? '' : replay.stderr }).toEqual({ code: 0, stderr: '' });
    const runId = /--run-id (\S+)/.exec(command as string)?.[1];
    const outputs = await pipe.readAll(pipe.names.outputs.churn_predictor);
    const backfilled = outputs.filter((m) => header(m, 'x-replay-run') === runId);
    // Every lead event of the history, once, by the new version.
    expect(backfilled).toHaveLength(history.leadEvents.length + 1);
    expect(new Set(backfilled.map((m) => header(m, 'x-event-id'))).size).toBe(history.leadEvents.length + 1);
    expect(new Set(backfilled.map((m) => header(m, 'x-model-version')))).toEqual(new Set(['1.2.0']));
  }, 1_500_000);
});
