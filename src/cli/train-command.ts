import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load';
import type { Config } from '../config/schema';
import { ScorestreamError } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';
import { parseFlags } from './args';
import { EXPORT_FLAGS, exportFromFlags } from './features-command';

export const TRAIN_USAGE = `usage: scorestream train (--from-topics | --from-jsonl DIR) [--from <ISO time | earliest>] [--to <ISO time>]
         [--sample all | per-lead:N] [--seed S] [--at FILE] [--out DIR]
         [--version X.Y.Z] [--holdout-fraction F] [--force]
  Trains a new version of the three models on your own history, in one go: exports the training
  tables (as \`scorestream features export\`, same flags), trains with the Python pipeline
  (training/train.sh: Python 3.11+, a virtual environment from training/requirements.txt), and
  writes models.dir/<name>/<version>/ (default: the next minor version after the highest there).
  The newest --holdout-fraction (0.2) of the rows by event time is the holdout. A model whose
  holdout AUC is below the served version's on the same holdout is not written, and train exits 3,
  unless --force. Prints how to roll the version out and to backfill with \`scorestream replay\`.`;

const TRAIN_SH = path.resolve(__dirname, '..', '..', 'training', 'train.sh');

const VERSION_SETTING: Readonly<Record<ModelName, string>> = {
  lead_scorer: 'SCORESTREAM_MODELS_LEAD_SCORER_VERSION',
  property_matcher: 'SCORESTREAM_MODELS_PROPERTY_MATCHER_VERSION',
  churn_predictor: 'SCORESTREAM_MODELS_CHURN_PREDICTOR_VERSION',
};
/** Every model scores the events of both inputs, and a replay re-scores one input: a backfill is one replay per input. */
const BACKFILL_TOPICS = [['lead.events', 'lead'], ['engagement.events', 'engagement']] as const;

type Semver = [number, number, number];
const parseVersion = (v: string): Semver | undefined => (/^\d+\.\d+\.\d+$/.test(v) ? (v.split('.').map(Number) as Semver) : undefined);
const newer = (a: Semver, b: Semver): boolean => (a[0] - b[0] || a[1] - b[1] || a[2] - b[2]) > 0;

/** The next minor version after the highest of any model in `modelsDir` (1.0.0 when there is none). */
export function nextVersion(modelsDir: string): string {
  let highest: Semver | undefined;
  for (const model of MODEL_NAMES) {
    const dir = path.join(modelsDir, model);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const v = parseVersion(name);
      if (v && (!highest || newer(v, highest))) highest = v;
    }
  }
  return highest ? `${highest[0]}.${highest[1] + 1}.0` : '1.0.0';
}

interface ModelOutcome {
  readonly written: boolean;
  readonly dir: string | null;
  readonly auc?: number;
  readonly true_auc?: number;
  readonly holdout_rows?: number;
  readonly baseline?: { readonly version: string; readonly auc?: number; readonly skipped?: string };
  readonly refused: boolean;
  readonly error?: string;
}

function runTrainer(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // The trainer's lines go to the terminal as it writes them; ours follow.
    const child = spawn('bash', [TRAIN_SH, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new ScorestreamError('USAGE_INVALID', `train: cannot run ${TRAIN_SH}: ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function rolloutLines(config: Config, version: string, written: readonly ModelName[], from: string): string[] {
  if (written.length === 0) return [];
  const lines = [
    `roll out ${version}: processors reading ${config.modelsDir} under the latest policy (the default) switch to it within models.pollMs (${config.modelsPollMs} ms), after verifying it;`,
    `  for a pinned processor set ${written.map((m) => `${VERSION_SETTING[m]}=${version}`).join(' ')} and send SIGHUP (kill -HUP <pid>)`,
    'backfill the history with the new version, under its own group (the live one is untouched):',
  ];
  for (const model of written) {
    for (const [topic, tag] of BACKFILL_TOPICS) lines.push(`  scorestream replay --topic ${topic} --from ${from} --model ${model}@${version} --run-id backfill-${model}-${version}-${tag}`);
  }
  return lines;
}

export async function trainCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const values = parseFlags('train', args, { ...EXPORT_FLAGS, version: { type: 'string' }, 'holdout-fraction': { type: 'string' }, force: { type: 'boolean' } });
  const config = loadConfig();
  const version = values.version ?? nextVersion(config.modelsDir);
  if (!parseVersion(version)) throw new ScorestreamError('USAGE_INVALID', `train: --version ${version}: expected x.y.z`);
  for (const model of MODEL_NAMES) {
    if (fs.existsSync(path.join(config.modelsDir, model, version))) throw new ScorestreamError('USAGE_INVALID', `train: ${path.join(config.modelsDir, model, version)} exists: give another --version`);
  }
  const holdout = values['holdout-fraction'];
  if (holdout !== undefined && !(Number(holdout) > 0 && Number(holdout) < 1)) throw new ScorestreamError('USAGE_INVALID', `train: --holdout-fraction ${holdout}: expected a fraction between 0 and 1`);
  const { out, report } = await exportFromFlags('train', values, config, print);
  if (report.tables.some((t) => t.rows === 0)) {
    throw new ScorestreamError('USAGE_INVALID', `train: the export has no labelled rows for ${report.tables.filter((t) => t.rows === 0).map((t) => t.model).join(', ')}: the history is too short for the label horizons (labels.*), or --from/--to leave nothing`);
  }
  const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scorestream-train-')), 'summary.json');
  print(`scorestream train: training ${version} into ${config.modelsDir}`);
  const code = await runTrainer([
    '--data', out, '--models', config.modelsDir, '--version', version, '--summary', summaryFile, '--no-fixtures',
    ...(holdout === undefined ? [] : ['--holdout-fraction', holdout]),
    ...(values.force ? ['--force'] : []),
  ]);
  if (!fs.existsSync(summaryFile)) {
    print(`scorestream train: the trainer exited with ${code} before training (see above)`);
    return code === 0 ? 1 : code;
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as { models: Partial<Record<ModelName, ModelOutcome>> };
  fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
  const written: ModelName[] = [];
  for (const model of MODEL_NAMES) {
    const m = summary.models[model];
    if (!m) continue;
    const auc = m.auc === undefined ? '' : `holdout AUC ${m.auc.toFixed(4)} on ${m.holdout_rows ?? '?'} rows`;
    const truth = m.true_auc === undefined ? '' : `, true-probability AUC ${m.true_auc.toFixed(4)}`;
    const base = m.baseline === undefined ? ', no served version to compare with' : m.baseline.auc === undefined ? `, not compared with ${m.baseline.version} (${m.baseline.skipped ?? 'skipped'})` : `, served ${m.baseline.version}: ${m.baseline.auc.toFixed(4)}`;
    const verdict = m.error ? `failed: ${m.error}` : m.written ? `written to ${m.dir}` : m.refused ? 'NOT written: worse than the served version (--force writes it)' : 'not written';
    print(`  ${model.padEnd(17)} ${auc}${truth}${base}; ${verdict}`);
    if (m.written) written.push(model);
  }
  // The backfill covers what the export covered: the topics from their start, or from --from.
  for (const line of rolloutLines(config, version, written, values.from ?? 'earliest')) print(line);
  return code;
}
