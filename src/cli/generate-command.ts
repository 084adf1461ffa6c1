import fs from 'node:fs';
import path from 'node:path';
import { generateHistory } from '../synth/generate';
import { intFlag, parseFlags } from './args';

export const GENERATE_USAGE = `usage: scorestream generate --leads N [--seed S] [--out DIR]
  writes a seeded synthetic history as JSONL, each file in time order:
  DIR/property.events.jsonl, lead.events.jsonl, engagement.events.jsonl, and outcomes.jsonl
  (the true outcome probabilities and the drawn outcomes at each lead's scoring point)`;

export function generateCommand(args: readonly string[], print: (line: string) => void): number {
  const values = parseFlags('generate', args, { leads: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } });
  if (values.help) {
    print(GENERATE_USAGE);
    return 0;
  }
  const leads = intFlag('leads', values.leads, 1000, 1, 'generate');
  const seed = intFlag('seed', values.seed, 42, 0, 'generate');
  const out = path.resolve(values.out ?? 'generated');
  const t0 = Date.now();
  const history = generateHistory({ leads, seed });
  fs.mkdirSync(out, { recursive: true });
  const write = (name: string, records: readonly unknown[]): void => {
    fs.writeFileSync(path.join(out, name), records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : ''));
    print(`  ${name}: ${records.length} records`);
  };
  print(`scorestream generate: ${leads} leads, seed ${seed} -> ${out}`);
  write('property.events.jsonl', history.propertyEvents);
  write('lead.events.jsonl', history.leadEvents);
  write('engagement.events.jsonl', history.engagementEvents);
  write('outcomes.jsonl', history.outcomes);
  print(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}
