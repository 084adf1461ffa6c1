import fs from 'node:fs';
import path from 'node:path';
import { exportTrainingTables, summaryLine } from '../synth/drawn-tables';
import { generateHistory } from '../synth/generate';
import { intFlag, parseFlags } from './args';

export const GENERATE_USAGE = `usage: scorestream generate --leads N [--seed S] [--out DIR] [--training-tables TDIR]
  writes a seeded synthetic history as JSONL, each file in time order:
  DIR/property.events.jsonl, lead.events.jsonl, engagement.events.jsonl, and outcomes.jsonl
  (the scoring point of each lead, its true probabilities and the outcomes the world acted out after it)
  --training-tables TDIR: instead, runs the serving feature code over the history at each lead's
  scoring point and writes the drawn-outcome training tables of the shipped models to
  TDIR/<model>/ (X.npy, y.npy, p_true.npy, groups.npy, meta.json); the JSONL as well only if
  --out is given too (npm run train:data: --leads 30000 --seed 42 --training-tables training/data)`;

export function generateCommand(args: readonly string[], print: (line: string) => void): number {
  const values = parseFlags('generate', args, {
    leads: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'training-tables': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    print(GENERATE_USAGE);
    return 0;
  }
  const leads = intFlag('leads', values.leads, 1000, 1, 'generate');
  const seed = intFlag('seed', values.seed, 42, 0, 'generate');
  const tablesDir = values['training-tables'] !== undefined ? path.resolve(values['training-tables']) : undefined;
  // Training tables alone need no JSONL; without them the JSONL goes to the default folder.
  const out = values.out !== undefined || tablesDir === undefined ? path.resolve(values.out ?? 'generated') : undefined;
  const t0 = Date.now();
  const history = generateHistory({ leads, seed });
  if (out !== undefined) {
    fs.mkdirSync(out, { recursive: true });
    const write = (name: string, records: readonly unknown[]): void => {
      fs.writeFileSync(path.join(out, name), records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : ''));
      print(`  ${name}: ${records.length} records`);
    };
    print(`scorestream generate: ${leads} leads, seed ${seed} -> ${out}`);
    write('property.events.jsonl', history.propertyEvents);
    write('lead.events.jsonl', history.leadEvents);
    write('engagement.events.jsonl', history.engagementEvents);
    write('outcomes.jsonl', history.scoringPoints);
  }
  if (tablesDir !== undefined) {
    print(`scorestream generate: ${leads} leads, seed ${seed}, ${history.leadEvents.length + history.engagementEvents.length + history.propertyEvents.length} events -> training tables ${tablesDir}`);
    for (const s of exportTrainingTables(history, tablesDir)) print(summaryLine(s));
  }
  print(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}
