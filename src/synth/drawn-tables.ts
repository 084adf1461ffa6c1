import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { leadFeatures } from '../features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../features/lead-state';
import { matchFeatures, type AreaCenters } from '../features/match-features';
import { writeNpy } from '../features/npy';
import { PropertyTable } from '../features/property-table';
import type { FeatureResult } from '../features/result';
import { MODEL_FEATURES, type ModelName } from '../features/spec';
import type { EngagementEvent, LeadEvent } from '../schemas/types';
import type { History } from './generate';
import { AREA_CENTERS } from './world';

/**
 * The recipe of the shipped 1.x models: the serving feature code run over a generated history at
 * each lead's scoring point, labelled with the outcomes drawn there from the known probabilities.
 * One training table per model: X.npy (float32 rows), y.npy (the drawn label), p_true.npy (the
 * probability it was drawn from), groups.npy (lead index, so a split keeps a lead's rows together)
 * and meta.json.
 */
export interface ExportSummary {
  readonly model: ModelName;
  readonly rows: number;
  readonly positives: number;
  readonly rejected: number;
  readonly dataSha256: string;
}

/**
 * The synthetic city's own centres, which the generator drew the tour probabilities around, and
 * which the shipped models were trained with. Serving takes them from the property table instead.
 */
const SYNTHETIC_CENTERS: AreaCenters = (area) => AREA_CENTERS.get(area);

class Table {
  readonly rows: number[][] = [];
  readonly labels: number[] = [];
  readonly pTrue: number[] = [];
  readonly groups: number[] = [];
  rejected = 0;
}

/**
 * Each lead's state at its scoring point: its events up to the outcome's `as_of` and none after,
 * so that events the history records after that point (what the lead did next) do not leak into
 * the features the drawn outcome is labelled against.
 */
function leadStates(history: History): Map<string, LeadState> {
  type Ev = { kind: 'lead'; e: LeadEvent } | { kind: 'engagement'; e: EngagementEvent };
  const asOf = new Map(history.outcomes.map((o) => [o.lead_id, o.as_of]));
  const byLead = new Map<string, Ev[]>();
  const add = (ev: Ev): void => {
    const until = asOf.get(ev.e.lead_id);
    if (until === undefined || ev.e.occurred_at > until) return;
    const list = byLead.get(ev.e.lead_id);
    if (list) list.push(ev);
    else byLead.set(ev.e.lead_id, [ev]);
  };
  for (const e of history.leadEvents) add({ kind: 'lead', e });
  for (const e of history.engagementEvents) add({ kind: 'engagement', e });
  const states = new Map<string, LeadState>();
  for (const [leadId, events] of byLead) {
    events.sort((a, b) => a.e.occurred_at - b.e.occurred_at || (a.e.event_id < b.e.event_id ? -1 : 1));
    let s: LeadState | undefined;
    for (const ev of events) s = ev.kind === 'lead' ? applyLeadEvent(s, ev.e) : applyEngagementEvent(s, ev.e);
    if (s) states.set(leadId, s);
  }
  return states;
}

/** `areas` is for measuring other centres; the shipped models' tables use the synthetic city's. */
export function exportTrainingTables(history: History, outDir: string, areas: AreaCenters = SYNTHETIC_CENTERS): ExportSummary[] {
  const table = new PropertyTable();
  for (const e of history.propertyEvents) table.apply(e);
  const states = leadStates(history);
  const tables: Record<ModelName, Table> = { lead_scorer: new Table(), churn_predictor: new Table(), property_matcher: new Table() };
  const push = (t: Table, r: FeatureResult, label: boolean, p: number, group: number): void => {
    if (!r.ok) {
      t.rejected++;
      return;
    }
    t.rows.push(Array.from(r.row));
    t.labels.push(label ? 1 : 0);
    t.pTrue.push(p);
    t.groups.push(group);
  };
  history.outcomes.forEach((o, i) => {
    const state = states.get(o.lead_id);
    if (!state) throw new Error(`no events for ${o.lead_id}`);
    const row = leadFeatures(state, o.as_of);
    push(tables.lead_scorer, row, o.converted, o.p_convert, i);
    push(tables.churn_predictor, row, o.churned, o.p_churn, i);
    for (const c of o.candidates) {
      const listing = table.asOf(c.property_id, o.as_of);
      if (!listing) throw new Error(`${c.property_id} not listed as of ${o.as_of}`);
      push(tables.property_matcher, matchFeatures(state, listing, o.as_of, areas), c.toured, c.p_tour, i);
    }
  });

  const summaries: ExportSummary[] = [];
  for (const model of Object.keys(tables) as ModelName[]) {
    const t = tables[model];
    const spec = MODEL_FEATURES[model];
    const dir = path.join(outDir, model);
    fs.mkdirSync(dir, { recursive: true });
    const x = new Float32Array(t.rows.length * spec.length);
    t.rows.forEach((r, i) => x.set(r, i * spec.length));
    writeNpy(path.join(dir, 'X.npy'), x, [t.rows.length, spec.length]);
    writeNpy(path.join(dir, 'y.npy'), Float32Array.from(t.labels), [t.labels.length]);
    writeNpy(path.join(dir, 'p_true.npy'), Float64Array.from(t.pTrue), [t.pTrue.length]);
    writeNpy(path.join(dir, 'groups.npy'), Float64Array.from(t.groups), [t.groups.length]);
    const hash = createHash('sha256');
    for (const f of ['X.npy', 'y.npy', 'p_true.npy', 'groups.npy']) hash.update(fs.readFileSync(path.join(dir, f)));
    const summary: ExportSummary = { model, rows: t.rows.length, positives: t.labels.filter((l) => l === 1).length, rejected: t.rejected, dataSha256: hash.digest('hex') };
    fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify({ ...summary, seed: history.seed, leads: history.outcomes.length, features: spec }, null, 2)}\n`);
    summaries.push(summary);
  }
  return summaries;
}

/** One line per model, as the command line prints it. */
export function summaryLine(s: ExportSummary): string {
  return `  ${s.model.padEnd(17)} ${String(s.rows).padStart(7)} rows, ${(s.positives / Math.max(1, s.rows) * 100).toFixed(1)}% positive, ${s.rejected} rejected, data sha256 ${s.dataSha256.slice(0, 12)}`;
}
