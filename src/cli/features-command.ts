import path from 'node:path';
import { exportTrainingTables } from '../features/export';
import { generateHistory } from '../synth/generate';
import { intFlag, parseFlags } from './args';

export const FEATURES_USAGE = `usage: scorestream features export [--leads N] [--seed S] [--out DIR]
  generates a history and runs the serving feature code over it, writing one training table per
  model to DIR/<model>/ (X.npy, y.npy, p_true.npy, groups.npy, meta.json); default DIR training/data`;

export function featuresCommand(args: readonly string[], print: (line: string) => void): number {
  const [verb, ...rest] = args;
  if (verb !== 'export') {
    if (verb !== undefined) {
      process.stderr.write(`scorestream: features: unknown subcommand '${verb}' (scorestream features --help)\n`);
      return 2;
    }
    print(FEATURES_USAGE);
    return 0;
  }
  const values = parseFlags('features export', rest, { leads: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
  const leads = intFlag('leads', values.leads, 30_000, 1, 'features export');
  const seed = intFlag('seed', values.seed, 42, 0, 'features export');
  const out = path.resolve(values.out ?? 'training/data');
  const t0 = Date.now();
  const history = generateHistory({ leads, seed });
  print(`scorestream features export: ${leads} leads, seed ${seed}, ${history.leadEvents.length + history.engagementEvents.length + history.propertyEvents.length} events -> ${out}`);
  for (const s of exportTrainingTables(history, out)) {
    print(`  ${s.model.padEnd(17)} ${String(s.rows).padStart(7)} rows, ${(s.positives / Math.max(1, s.rows) * 100).toFixed(1)}% positive, ${s.rejected} rejected, data sha256 ${s.dataSha256.slice(0, 12)}`);
  }
  print(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}
