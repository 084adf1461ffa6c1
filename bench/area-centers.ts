/**
 * What taking area centres from the property table (PropertyTable.areaCenter: the median of the
 * area's listings as of the event) instead of the synthetic city's fixed centres does to the
 * drawn-outcome training tables: distance_km of property_matcher rows whose lead named an area but
 * no location, and property_matcher 1.0.0 trained on each (holdout AUC fp32, AUC of the true
 * probabilities, and the gap), side by side.
 *
 *   npx tsx bench/area-centers.ts [--leads 30000] [--seed 42] [--out DIR] [--no-train]
 *
 * Writes DIR/{synthetic,table}/ (tables), DIR/models-*, DIR/summary-*.json and DIR/result.json;
 * DIR defaults to a new temporary directory.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyLeadEvent, type LeadState } from '../src/features/lead-state';
import { readNpyFloat32 } from '../src/features/npy';
import { PropertyTable } from '../src/features/property-table';
import { MATCH_FEATURES } from '../src/features/spec';
import type { LeadEvent } from '../src/schemas/types';
import { exportTrainingTables } from '../src/synth/drawn-tables';
import { generateHistory, type History } from '../src/synth/generate';

const ROOT = path.resolve(__dirname, '..');

const { values } = parseArgs({ options: { leads: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, 'no-train': { type: 'boolean' } } });
const leads = Number(values.leads ?? 30_000);
const seed = Number(values.seed ?? 42);
const out = values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'area-centers-'));

/** Per outcome: whether the lead, at its scoring point, named an area but no location. */
function areaOnly(history: History): boolean[] {
  const asOf = new Map(history.outcomes.map((o) => [o.lead_id, o.as_of]));
  const events = new Map<string, LeadEvent[]>();
  for (const e of history.leadEvents) {
    const until = asOf.get(e.lead_id);
    if (until === undefined || e.occurred_at > until) continue;
    events.set(e.lead_id, [...(events.get(e.lead_id) ?? []), e]);
  }
  return history.outcomes.map((o) => {
    let s: LeadState | undefined;
    const list = (events.get(o.lead_id) ?? []).sort((a, b) => a.occurred_at - b.occurred_at || (a.event_id < b.event_id ? -1 : 1));
    for (const e of list) s = applyLeadEvent(s, e);
    return s !== undefined && s.location === null && s.preferred_area !== null;
  });
}

function train(data: string, name: string): Record<string, unknown> {
  const summary = path.join(out, `summary-${name}.json`);
  const r = spawnSync('bash', [path.join(ROOT, 'training/train.sh'), '--data', data, '--models', path.join(out, `models-${name}`), '--fixtures', path.join(out, `fixtures-${name}`), '--version', '1.0.0', '--only', 'property_matcher', '--summary', summary], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error(`train.sh on ${name} exited ${r.status}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, `models-${name}`, 'property_matcher', '1.0.0', 'manifest.json'), 'utf8')) as { metrics: Record<string, unknown> };
  return manifest.metrics;
}

const t0 = Date.now();
const history = generateHistory({ leads, seed });
const table = new PropertyTable();
for (const e of history.propertyEvents) table.apply(e);
const dirs = { synthetic: path.join(out, 'synthetic'), table: path.join(out, 'table') };
const summaries = {
  synthetic: exportTrainingTables(history, dirs.synthetic),
  table: exportTrainingTables(history, dirs.table, (area, t) => table.areaCenter(area, t)),
};
const rejected = [...summaries.synthetic, ...summaries.table].filter((s) => s.rejected > 0);
if (rejected.length > 0) throw new Error('rows were rejected: the row-to-lead mapping below assumes none');

// Rows follow the outcomes and, within one, its candidates (none rejected).
const only = areaOnly(history);
const rowAreaOnly: boolean[] = [];
history.outcomes.forEach((o, i) => {
  for (let k = 0; k < o.candidates.length; k++) rowAreaOnly.push(only[i] as boolean);
});
const xa = readNpyFloat32(path.join(dirs.synthetic, 'property_matcher', 'X.npy'));
const xb = readNpyFloat32(path.join(dirs.table, 'property_matcher', 'X.npy'));
const width = MATCH_FEATURES.length;
const col = MATCH_FEATURES.findIndex((f) => f.name === 'distance_km');
if (xa.shape[0] !== rowAreaOnly.length || xb.shape[0] !== rowAreaOnly.length) throw new Error('row counts differ');
let count = 0;
let sum = 0;
let max = 0;
let changedElsewhere = 0;
for (let r = 0; r < rowAreaOnly.length; r++) {
  const d = Math.abs((xa.data[r * width + col] as number) - (xb.data[r * width + col] as number));
  if (rowAreaOnly[r]) {
    count++;
    sum += d;
    max = Math.max(max, d);
  } else if (d !== 0) changedElsewhere++;
}
const distance = { rows: rowAreaOnly.length, areaOnlyRows: count, meanAbsDeltaKm: sum / Math.max(1, count), maxAbsDeltaKm: max, otherRowsChanged: changedElsewhere };
console.log(`property_matcher rows ${distance.rows}; of leads with an area but no location: ${count}; |delta distance_km| mean ${distance.meanAbsDeltaKm.toFixed(4)} max ${max.toFixed(4)}; other rows changed: ${changedElsewhere}`);
console.log(`tables in ${((Date.now() - t0) / 1000).toFixed(1)} s under ${out}`);

const result: Record<string, unknown> = { leads, seed, distance, summaries };
if (!values['no-train']) {
  const metrics = { synthetic: train(dirs.synthetic, 'synthetic'), table: train(dirs.table, 'table') };
  result.metrics = metrics;
  const pick = (m: Record<string, unknown>): { auc: number; trueAuc: number; gap: number } => {
    const fp32 = m.fp32 as { auc: number };
    const truth = m.true_probability as { auc: number };
    return { auc: fp32.auc, trueAuc: truth.auc, gap: m.auc_gap_to_true as number };
  };
  console.log('centres               holdout AUC fp32   true-probability AUC   gap');
  for (const [name, m] of Object.entries(metrics)) {
    const p = pick(m);
    console.log(`${name.padEnd(21)} ${p.auc.toFixed(4).padStart(16)}   ${p.trueAuc.toFixed(4).padStart(20)}   ${p.gap.toFixed(4)}`);
  }
}
fs.writeFileSync(path.join(out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
