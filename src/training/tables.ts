import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { churnedLabel, convertedLabel, touredLabel, type Label, type LabelHorizons, type LeadFuture } from '../features/labels';
import { writeNpy } from '../features/npy';
import type { InputEvent } from '../features/serve-event';
import { MODEL_FEATURES, MODEL_NAMES, type ModelName } from '../features/spec';
import type { EngagementEvent, LeadEvent } from '../schemas/types';
import type { ScoredRow } from './rows';

/** The definition of each model's label, written into every table's metadata and the model manifest. */
export const LABEL_DEFINITIONS: Readonly<Record<ModelName, (h: LabelHorizons) => { definition: string; horizonDays: number }>> = {
  lead_scorer: (h) => ({ definition: `converted: a STATUS_CHANGED lead event to CLOSED_WON within ${h.convertedDays} days after the scored event`, horizonDays: h.convertedDays }),
  churn_predictor: (h) => ({ definition: `churned: no engagement of any kind within ${h.churnedDays} days after the scored event`, horizonDays: h.churnedDays }),
  property_matcher: (h) => ({ definition: `toured: a TOUR_REQUEST engagement for the listing within ${h.touredDays} days after the scored event`, horizonDays: h.touredDays }),
};

/** One model's training table, rows in (time, lead, event, pair) order. */
export class Table {
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly times: number[] = [];
  readonly leads: string[] = [];
  readonly keys: string[] = [];
  readonly pTrue: (number | undefined)[] = [];
  censored = 0;

  constructor(readonly model: ModelName) {}

  get rows(): number {
    return this.y.length;
  }

  add(row: Float32Array, label: Label, r: ScoredRow, propertyId: string, pTrue: number | undefined): void {
    if (label === null) {
      this.censored++;
      return;
    }
    for (const v of row) this.x.push(v);
    this.y.push(label);
    this.times.push(r.at);
    this.leads.push(r.leadId);
    this.keys.push(`${r.leadId}\t${r.eventId}\t${propertyId}\t${r.at}`);
    this.pTrue.push(pTrue);
  }
}

function futureOf(r: ScoredRow, events: readonly InputEvent[], dataEnd: number): LeadFuture {
  const leadEvents: LeadEvent[] = [];
  const engagements: EngagementEvent[] = [];
  for (let i = r.index + 1; i < events.length; i++) {
    const input = events[i] as InputEvent;
    if (input.lead) leadEvents.push(input.event);
    else engagements.push(input.event);
  }
  return { at: r.at, leadEvents, engagements, dataEnd };
}

/** Labels every kept row from its lead's later events; a row whose horizon passes `dataEnd` is censored. */
export function labelRows(rows: readonly ScoredRow[], events: ReadonlyMap<string, readonly InputEvent[]>, dataEnd: number, horizons: LabelHorizons): Record<ModelName, Table> {
  const tables = { lead_scorer: new Table('lead_scorer'), churn_predictor: new Table('churn_predictor'), property_matcher: new Table('property_matcher') };
  for (const r of rows) {
    const future = futureOf(r, events.get(r.leadId) ?? [], dataEnd);
    tables.lead_scorer.add(r.leadRow, convertedLabel(future, horizons), r, '', r.pConvert);
    tables.churn_predictor.add(r.leadRow, churnedLabel(future, horizons), r, '', r.pChurn);
    for (const pair of r.pairs) tables.property_matcher.add(pair.row, touredLabel(future, pair.propertyId, horizons), r, pair.propertyId, pair.pTour);
  }
  return tables;
}

export interface TableSummary {
  readonly model: ModelName;
  readonly rows: number;
  readonly positives: number;
  readonly censored: number;
  readonly leads: number;
  readonly dataSha256: string;
}

/**
 * Writes DIR/<model>/: X.npy (float32 rows), y.npy (0/1), times.npy (event time, ms: the holdout
 * is the newest part), groups.npy (lead index), p_true.npy (only when every row has a true
 * probability), keys.tsv (lead, event, listing, time per row) and meta.json.
 */
export function writeTables(outDir: string, tables: Record<ModelName, Table>, meta: Readonly<Record<string, unknown>>, horizons: LabelHorizons): TableSummary[] {
  return MODEL_NAMES.map((model) => {
    const t = tables[model];
    const spec = MODEL_FEATURES[model];
    const dir = path.join(outDir, model);
    fs.mkdirSync(dir, { recursive: true });
    const leadIds = [...new Set(t.leads)].sort();
    const index = new Map(leadIds.map((id, i) => [id, i]));
    const files: [string, Float32Array | Float64Array, number[]][] = [
      ['X.npy', Float32Array.from(t.x), [t.rows, spec.length]],
      ['y.npy', Float32Array.from(t.y), [t.rows]],
      ['times.npy', Float64Array.from(t.times), [t.rows]],
      ['groups.npy', Float64Array.from(t.leads.map((id) => index.get(id) as number)), [t.rows]],
    ];
    const withTrue = t.rows > 0 && t.pTrue.every((p) => p !== undefined);
    if (withTrue) files.push(['p_true.npy', Float64Array.from(t.pTrue as number[]), [t.rows]]);
    else fs.rmSync(path.join(dir, 'p_true.npy'), { force: true });
    const hash = createHash('sha256');
    for (const [file, data, shape] of files) {
      writeNpy(path.join(dir, file), data, shape);
      hash.update(fs.readFileSync(path.join(dir, file)));
    }
    fs.writeFileSync(path.join(dir, 'keys.tsv'), `lead_id\tevent_id\tproperty_id\toccurred_at\n${t.keys.map((k) => `${k}\n`).join('')}`);
    const positives = t.y.filter((v) => v === 1).length;
    const summary: TableSummary = { model, rows: t.rows, positives, censored: t.censored, leads: leadIds.length, dataSha256: hash.digest('hex') };
    fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify({ ...summary, ...meta, labels: LABEL_DEFINITIONS[model](horizons), features: spec }, null, 2)}\n`);
    return summary;
  });
}
