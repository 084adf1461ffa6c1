import { ENGAGEMENT_TYPES, type EngagementEvent, type EngagementType, type GeoPoint, type LeadEvent, type LeadStatus, type PropertyType, type SourceChannel, UNKNOWN } from '../schemas/types';
import { NO_SEEN_EVENTS, eventHash, hasSeen, remember as rememberEvent } from './seen-events';
import { DAY_MS } from './time';

/**
 * Everything the features need to know about one lead, built only from its lead and engagement
 * events. The update functions are pure (they return a new state) so that the same events give
 * the same state whatever the batch boundaries or restarts, and state can be rebuilt from the
 * changelog. Windows hold event times, not day buckets, so window counts are exact. UNSUBSCRIBE
 * is a flag, not a count.
 */
export type TrackedEngagement = Exclude<EngagementType, 'UNSUBSCRIBE' | 'OTHER'>;

export const TRACKED_ENGAGEMENTS: readonly TrackedEngagement[] = ENGAGEMENT_TYPES.filter(
  (t): t is TrackedEngagement => t !== 'UNSUBSCRIBE' && t !== 'OTHER',
);

/** The longest count window; older event times are dropped. */
export const WINDOW_MS = 30 * DAY_MS;
/** How long a viewed or saved listing is remembered for matching. */
export const MEMORY_MS = 90 * DAY_MS;
const MEMORY_MAX_LISTINGS = 500;

export interface LeadState {
  readonly lead_id: string;
  readonly created_at: number;
  readonly last_event_at: number;
  readonly last_engagement_at: number | null;
  readonly source_channel: SourceChannel | null;
  readonly status: LeadStatus;
  readonly budget_min: number | null;
  readonly budget_max: number | null;
  readonly preferred_area: string | null;
  readonly preferred_property_type: PropertyType | null;
  readonly min_beds: number | null;
  readonly location: GeoPoint | null;
  readonly unsubscribed: boolean;
  /** Event times within WINDOW_MS of `last_event_at`, ascending, per engagement type. */
  readonly recent: Readonly<Record<TrackedEngagement, readonly number[]>>;
  /** property_id -> last time viewed / saved, within MEMORY_MS. */
  readonly viewed: Readonly<Record<string, number>>;
  readonly saved: Readonly<Record<string, number>>;
  /** Hashes of the ids of the lead's last events (seen-events.ts): a redelivered event is not applied twice. */
  readonly seen: Buffer;
}

function emptyRecent(): Record<TrackedEngagement, number[]> {
  return Object.fromEntries(TRACKED_ENGAGEMENTS.map((k) => [k, []])) as unknown as Record<TrackedEngagement, number[]>;
}

export function newLeadState(leadId: string, at: number): LeadState {
  return {
    lead_id: leadId,
    created_at: at,
    last_event_at: at,
    last_engagement_at: null,
    source_channel: null,
    status: 'NEW',
    budget_min: null,
    budget_max: null,
    preferred_area: null,
    preferred_property_type: null,
    min_beds: null,
    location: null,
    unsubscribed: false,
    recent: emptyRecent(),
    viewed: {},
    saved: {},
    seen: NO_SEEN_EVENTS,
  };
}

/** Whether the event with this id was already applied to the lead (within the last SEEN_EVENTS_MAX events). */
export function isDuplicate(state: LeadState | undefined, eventId: string): boolean {
  return state !== undefined && state.seen.length > 0 && hasSeen(state.seen, eventHash(eventId));
}

/** A lead event replaces the profile fields it carries; CREATED also fixes the creation time. */
export function applyLeadEvent(state: LeadState | undefined, e: LeadEvent): LeadState {
  const s = state ?? newLeadState(e.lead_id, e.occurred_at);
  return {
    ...s,
    created_at: e.event_type === 'CREATED' ? e.occurred_at : Math.min(s.created_at, e.occurred_at),
    last_event_at: Math.max(s.last_event_at, e.occurred_at),
    source_channel: e.source_channel,
    // UNKNOWN (a status added by a newer producer schema) says nothing of where the lead stands.
    status: e.status === UNKNOWN ? s.status : e.status,
    budget_min: e.budget_min,
    budget_max: e.budget_max,
    preferred_area: e.preferred_area,
    preferred_property_type: e.preferred_property_type,
    min_beds: e.min_beds,
    location: e.location,
    seen: rememberEvent(s.seen, eventHash(e.event_id)),
  };
}

function insertSorted(times: readonly number[], t: number, keepAfter: number): number[] {
  const out = times.filter((x) => x > keepAfter);
  let i = out.length;
  while (i > 0 && (out[i - 1] as number) > t) i--;
  out.splice(i, 0, t);
  return out;
}

function remember(map: Readonly<Record<string, number>>, id: string, t: number, keepAfter: number): Record<string, number> {
  // A copy without the expired entries, in the same order (for...in, not entries and fromEntries:
  // a lead can remember hundreds of listings, and this runs on every view or save).
  const next: Record<string, number> = {};
  let size = 0;
  for (const key in map) {
    const at = map[key] as number;
    if (at > keepAfter) {
      next[key] = at;
      size++;
    }
  }
  // Own keys only: a listing id such as "toString" must not read Object.prototype's function
  // (Math.max of it is NaN, which no state encoding accepts, and the partition would stall on it).
  const known = Object.hasOwn(next, id) ? next[id] : undefined;
  if (known === undefined) size++;
  next[id] = Math.max(known ?? t, t);
  if (size > MEMORY_MAX_LISTINGS) {
    // Forget the oldest first; ties broken by id so the result does not depend on insertion order.
    const ids = Object.keys(next);
    ids.sort((a, b) => (next[a] as number) - (next[b] as number) || (a < b ? -1 : 1));
    for (const id2 of ids.slice(0, ids.length - MEMORY_MAX_LISTINGS)) delete next[id2];
  }
  return next;
}

export function applyEngagementEvent(state: LeadState | undefined, e: EngagementEvent): LeadState {
  const s = state ?? newLeadState(e.lead_id, e.occurred_at);
  const now = Math.max(s.last_event_at, e.occurred_at);
  const keepAfter = now - WINDOW_MS;
  const recent = { ...s.recent } as Record<TrackedEngagement, readonly number[]>;
  for (const k of TRACKED_ENGAGEMENTS) if (recent[k].length > 0 && (recent[k][0] as number) <= keepAfter) recent[k] = recent[k].filter((x) => x > keepAfter);
  const type = e.engagement_type;
  if ((TRACKED_ENGAGEMENTS as readonly string[]).includes(type)) {
    const k = type as TrackedEngagement;
    recent[k] = insertSorted(recent[k], e.occurred_at, keepAfter);
  }
  const memoryAfter = now - MEMORY_MS;
  let viewed = s.viewed;
  let saved = s.saved;
  if (e.property_id !== null && type === 'LISTING_VIEW') viewed = remember(viewed, e.property_id, e.occurred_at, memoryAfter);
  if (e.property_id !== null && type === 'SAVE') saved = remember(saved, e.property_id, e.occurred_at, memoryAfter);
  return {
    ...s,
    created_at: Math.min(s.created_at, e.occurred_at),
    last_event_at: now,
    last_engagement_at: s.last_engagement_at === null ? e.occurred_at : Math.max(s.last_engagement_at, e.occurred_at),
    unsubscribed: s.unsubscribed || type === 'UNSUBSCRIBE',
    recent,
    viewed,
    saved,
    seen: rememberEvent(s.seen, eventHash(e.event_id)),
  };
}

/** Events of type `k` in (t - windowMs, t]. */
export function countInWindow(state: LeadState, k: TrackedEngagement, t: number, windowMs: number): number {
  let n = 0;
  for (const x of state.recent[k]) if (x > t - windowMs && x <= t) n++;
  return n;
}

/** Distinct listings viewed in (t - windowMs, t]. */
export function distinctViewed(state: LeadState, t: number, windowMs: number): number {
  let n = 0;
  for (const at of Object.values(state.viewed)) if (at > t - windowMs && at <= t) n++;
  return n;
}
