import type { LeadState } from '../features/lead-state';
import { matchContext, matchRow, type AreaCenters } from '../features/match-features';
import { inputRejection, serveEvent, servedMatches, type InputEvent } from '../features/serve-event';
import type { TimeBounds } from '../features/validate';
import { count, type History } from './history';
import { LeadSample, sampleRank, type SamplePolicy } from './sample';
import type { ScoringPoint } from './scoring-points';

/** A scored event kept for the tables, with its rows as serving computed them then; labels come later. */
export interface ScoredRow {
  readonly leadId: string;
  readonly eventId: string;
  readonly at: number;
  /** Its place in the lead's applied events: what follows it is its future. */
  readonly index: number;
  readonly leadRow: Float32Array;
  readonly pairs: readonly { readonly propertyId: string; readonly row: Float32Array; readonly pTour: number | undefined }[];
  readonly pConvert: number | undefined;
  readonly pChurn: number | undefined;
}

export interface RowSelection {
  /** Only events at or after this time (ms) become rows; earlier ones still build state. */
  readonly from: number | undefined;
  /** The data ends here: later events are not part of it. */
  readonly to: number | undefined;
  readonly sample: SamplePolicy;
  /** When given, exactly these events become rows (the sample is not used). */
  readonly at: ReadonlyMap<string, ScoringPoint> | undefined;
  readonly timeBounds: TimeBounds;
}

export interface ServedHistory {
  readonly rows: ScoredRow[];
  /** Every lead's applied events, in the order applied. */
  readonly events: ReadonlyMap<string, readonly InputEvent[]>;
  /** Why records or rows were left out, by reason. */
  readonly skipped: Map<string, number>;
  readonly applied: number;
  readonly firstEvent: number;
  readonly lastEvent: number;
}

interface Lead {
  state: LeadState | undefined;
  /** A lead event was seen: an engagement of a lead nobody created has no profile to learn from. */
  known: boolean;
  latest: number;
  readonly events: InputEvent[];
  readonly sample: LeadSample<ScoredRow> | ScoredRow[];
}

/**
 * Replays the history through serveEvent, lane by lane in the merge order, exactly as the
 * processor applies it, and keeps the rows of the selected scored events as they were computed at
 * that moment (the state then; listings as of the event time).
 *
 * Applied events that do not become rows, counted: `unknown_lead` (an engagement before any lead
 * event of its lead), `out_of_order` (an event older than one the lead already applied: its row
 * would see the future). Records serving would dead-letter are skipped as it skips them.
 */
export function serveHistory(history: History, selection: RowSelection, onProgress?: (served: number, total: number, rows: number) => void): ServedHistory {
  const total = history.lanes.reduce((n, l) => n + l.length, 0);
  const skipped = new Map(history.skipped);
  const leads = new Map<string, Lead>();
  const areas: AreaCenters = (area, t) => history.properties.areaCenter(area, t);
  const found = new Set<string>();
  let served = 0;
  let applied = 0;
  let rowCount = 0;
  let firstEvent = Number.POSITIVE_INFINITY;
  let lastEvent = Number.NEGATIVE_INFINITY;
  for (const lane of history.lanes) {
    for (const { input, timestamp } of lane) {
      served++;
      if (served % 10_000 === 0) onProgress?.(served, total, rowCount);
      const e = input.event;
      if (selection.to !== undefined && e.occurred_at > selection.to) {
        count(skipped, 'after_to');
        continue;
      }
      if (inputRejection(input, timestamp, selection.timeBounds)) {
        count(skipped, 'feature_invalid');
        continue;
      }
      let lead = leads.get(e.lead_id);
      if (!lead) {
        lead = { state: undefined, known: false, latest: Number.NEGATIVE_INFINITY, events: [], sample: selection.sample.kind === 'per-lead' && !selection.at ? new LeadSample(selection.sample.max) : [] };
        leads.set(e.lead_id, lead);
      }
      const result = serveEvent(lead.state, input);
      if (result.kind !== 'applied') {
        count(skipped, result.kind === 'duplicate' ? 'duplicate' : 'feature_invalid');
        continue;
      }
      applied++;
      const outOfOrder = e.occurred_at < lead.latest;
      lead.state = result.after;
      lead.known ||= input.lead;
      lead.latest = Math.max(lead.latest, e.occurred_at);
      lead.events.push(input);
      firstEvent = Math.min(firstEvent, e.occurred_at);
      lastEvent = Math.max(lastEvent, e.occurred_at);

      const point = selection.at?.get(e.event_id);
      if (selection.at && (point === undefined || point.leadId !== e.lead_id)) continue;
      if (point) found.add(e.event_id);
      if (selection.from !== undefined && e.occurred_at < selection.from) continue;
      if (!lead.known) {
        count(skipped, 'unknown_lead');
        continue;
      }
      if (outOfOrder) {
        count(skipped, 'out_of_order');
        continue;
      }
      const rank = sampleRank(selection.sample, e.event_id);
      if (lead.sample instanceof LeadSample && !lead.sample.wants(rank)) continue;
      const row: ScoredRow = {
        leadId: e.lead_id,
        eventId: e.event_id,
        at: e.occurred_at,
        index: lead.events.length - 1,
        leadRow: result.leadRow,
        pairs: point?.pairs ? listedPairs(point, result.after, e.occurred_at, history, areas, skipped) : servedMatches(result.after, e.occurred_at, history.properties, areas).map((m) => ({ propertyId: m.listing.property_id, row: m.row, pTour: undefined })),
        pConvert: point?.pConvert,
        pChurn: point?.pChurn,
      };
      if (lead.sample instanceof LeadSample) lead.sample.offer(rank, row);
      else lead.sample.push(row);
      rowCount++;
    }
  }
  onProgress?.(served, total, rowCount);
  if (selection.at) count(skipped, 'at_event_not_found', selection.at.size - found.size);
  const rows = [...leads.values()].flatMap((l) => (l.sample instanceof LeadSample ? l.sample.kept() : l.sample));
  rows.sort((a, b) => a.at - b.at || (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  for (const [reason, n] of skipped) if (n === 0) skipped.delete(reason);
  return { rows, events: new Map([...leads].map(([id, l]) => [id, l.events])), skipped, applied, firstEvent, lastEvent };
}

/** The listings a scoring point names, as of the event, through the serving match row. */
function listedPairs(point: ScoringPoint, after: LeadState, t: number, history: History, areas: AreaCenters, skipped: Map<string, number>): ScoredRow['pairs'] {
  const ctx = matchContext(after, t, areas);
  const out: { propertyId: string; row: Float32Array; pTour: number | undefined }[] = [];
  for (const pair of point.pairs ?? []) {
    const listing = history.properties.asOf(pair.propertyId, t);
    if (!listing) {
      count(skipped, 'pair_not_listed');
      continue;
    }
    const m = matchRow(ctx, listing);
    if (!m.ok) count(skipped, 'pair_feature_invalid');
    else out.push({ propertyId: pair.propertyId, row: m.row, pTour: pair.pTour });
  }
  return out;
}
