import type { EngagementEvent, LeadEvent } from '../schemas/types';
import { candidates, MAX_CANDIDATES } from './candidates';
import { leadFeatures } from './lead-features';
import { applyEngagementEvent, applyLeadEvent, isDuplicate, type LeadState } from './lead-state';
import { matchContext, matchValues, type AreaCenters } from './match-features';
import type { PropertyTable, PropertyVersion } from './property-table';
import { RowBuffer } from './row-buffer';
import { MATCH_FEATURES } from './spec';
import { validateEngagementEvent, validateEventTime, validateLeadEvent, type TimeBounds } from './validate';
import type { FeatureRejection } from './result';

/**
 * What serving does with one input event, defined once: the processor scores with it, and the
 * training export replays history through it, so a model is trained on exactly the rows it will
 * be served. `lead` says which input the event came from (lead.events or engagement.events).
 */
export type InputEvent = { readonly lead: true; readonly event: LeadEvent } | { readonly lead: false; readonly event: EngagementEvent };

/** Why a decoded event is not processed (it goes to the DLQ): invalid fields or an absurd event time. */
export function inputRejection(input: InputEvent, recordTimestamp: number, bounds: TimeBounds): FeatureRejection | undefined {
  return (input.lead ? validateLeadEvent(input.event) : validateEngagementEvent(input.event)) ?? validateEventTime(input.event.occurred_at, recordTimestamp, bounds);
}

export type ServedEvent =
  /** The lead already applied an event with this id: its outputs exist from the first delivery. */
  | { readonly kind: 'duplicate' }
  /** The lead's features are invalid after it: the event leaves no trace in state (it goes to the DLQ). */
  | { readonly kind: 'rejected'; readonly message: string }
  | { readonly kind: 'applied'; readonly after: LeadState; readonly leadRow: Float32Array };

/** Applies the event to the lead's state and computes the lead row as of the event's time. */
export function serveEvent(before: LeadState | undefined, input: InputEvent): ServedEvent {
  if (isDuplicate(before, input.event.event_id)) return { kind: 'duplicate' };
  const after = input.lead ? applyLeadEvent(before, input.event) : applyEngagementEvent(before, input.event);
  const lead = leadFeatures(after, input.event.occurred_at);
  return lead.ok ? { kind: 'applied', after, leadRow: lead.row } : { kind: 'rejected', message: lead.message };
}

export interface ServedMatch {
  readonly listing: PropertyVersion;
  readonly row: Float32Array;
}

/**
 * The listings property_matcher scores for the lead at `t` (candidates.ts), each with its row; a
 * listing whose row is invalid is left out, since one odd listing must not cost the lead its matches.
 */
export function servedMatches(after: LeadState, t: number, table: PropertyTable, areas: AreaCenters): ServedMatch[] {
  const rows = new RowBuffer(MATCH_FEATURES, MAX_CANDIDATES);
  return writeMatches(after, t, table, areas, rows).map((listing, i) => ({ listing, row: rows.row(i) }));
}

/** servedMatches, its rows appended to `rows` (the batch's property_matcher tensor): the listings in row order. */
export function writeMatches(after: LeadState, t: number, table: PropertyTable, areas: AreaCenters, rows: RowBuffer): PropertyVersion[] {
  const ctx = matchContext(after, t, areas);
  const out: PropertyVersion[] = [];
  for (const listing of candidates(after, table, t)) if (rows.push(matchValues(ctx, listing)) === undefined) out.push(listing);
  return out;
}

/** The event of input side 0 (lead.events) or 1 (engagement.events), as serving takes it. */
export function inputOf(side: 0 | 1, event: LeadEvent | EngagementEvent): InputEvent {
  return side === 0 ? { lead: true, event: event as LeadEvent } : { lead: false, event: event as EngagementEvent };
}
