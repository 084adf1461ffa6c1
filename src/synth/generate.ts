import type { EngagementEvent, EngagementType, LeadEvent, PropertyEvent } from '../schemas/types';
import { distanceKm } from '../features/geo';
import { PropertyTable } from '../features/property-table';
import { generateLead, type GeneratedLead } from './leads';
import { outcomeEvents, scoringPointOf, type ScoringPoint } from './outcome-events';
import { generateProperties, type GeneratedProperty } from './properties';
import { Random } from './random';
import { pChurn, pConvert, pTour, type LeadTruthInputs } from './truth';
import { DAY_MS } from './world';

/**
 * A seeded synthetic history: listings, leads, their engagement, and for every lead the outcomes
 * drawn at its scoring point (its last event before the outcomes) from the documented
 * probabilities in truth.ts, then acted out as events after it (outcome-events.ts), so that labels
 * read from the events are the drawn outcomes. The same seed and size give byte-identical output
 * on any machine.
 */
export interface CandidateOutcome {
  readonly property_id: string;
  readonly p_tour: number;
  readonly toured: boolean;
}

export interface LeadOutcome {
  readonly lead_id: string;
  /** The event after which the lead is scored, and its time. */
  readonly as_of_event_id: string;
  readonly as_of: number;
  readonly intent: number;
  readonly p_convert: number;
  readonly converted: boolean;
  readonly p_churn: number;
  readonly churned: boolean;
  readonly candidates: readonly CandidateOutcome[];
}

export interface History {
  readonly seed: number;
  readonly propertyEvents: readonly PropertyEvent[];
  readonly leadEvents: readonly LeadEvent[];
  readonly engagementEvents: readonly EngagementEvent[];
  /** As drawn at each scoring point: the events after it do not change them. */
  readonly outcomes: readonly LeadOutcome[];
  /** One a lead, in lead order: the scoring point, its true probabilities and what the world acted out after it. */
  readonly scoringPoints: readonly ScoringPoint[];
}

/** Salt of the stream that draws the outcome events, apart from the one that draws the history. */
const OUTCOME_EVENTS_SALT = 0x0c7c0e5a;

const byTime = <T extends { occurred_at: number; event_id: string }>(a: T, b: T): number => a.occurred_at - b.occurred_at || (a.event_id < b.event_id ? -1 : 1);

export interface GenerateOptions {
  readonly leads: number;
  readonly seed: number;
  /** Listings scored per lead for property_matcher's training pairs. */
  readonly candidatesPerLead?: number;
}

function count(es: readonly EngagementEvent[], type: EngagementType, t: number, days: number): number {
  let n = 0;
  for (const e of es) if (e.engagement_type === type && e.occurred_at > t - days * DAY_MS && e.occurred_at <= t) n++;
  return n;
}

function leadTruth(lead: GeneratedLead, t: number): LeadTruthInputs {
  const es = lead.engagements;
  const last = es.length > 0 ? (es[es.length - 1] as EngagementEvent).occurred_at : null;
  const profile = lead.leadEvents[0] as LeadEvent;
  return {
    tours30: count(es, 'TOUR_REQUEST', t, 30),
    saves7: count(es, 'SAVE', t, 7),
    listingViews7: count(es, 'LISTING_VIEW', t, 7),
    listingViews30: count(es, 'LISTING_VIEW', t, 30),
    calls30: count(es, 'CALL', t, 30),
    emailClicks30: count(es, 'EMAIL_CLICK', t, 30),
    recencyDays: last === null ? 60 : Math.min(60, (t - last) / DAY_MS),
    ageDays: (t - lead.createdAt) / DAY_MS,
    referral: profile.source_channel === 'REFERRAL',
    budgetKnown: profile.budget_min !== null,
    unsubscribed: es.some((e) => e.engagement_type === 'UNSUBSCRIBE'),
  };
}

/** Listings the lead is scored against: ones it viewed, ones in its area, and others, all on the market at t. */
function candidates(rng: Random, lead: GeneratedLead, table: PropertyTable, all: GeneratedProperty[], byArea: ReadonlyMap<string, GeneratedProperty[]>, t: number, k: number): string[] {
  const chosen = new Set<string>();
  const viewed = lead.engagements.filter((e) => e.property_id !== null).map((e) => e.property_id as string);
  for (let i = viewed.length - 1; i >= 0 && chosen.size < Math.min(3, k); i--) chosen.add(viewed[i] as string);
  const local = lead.area !== null ? (byArea.get(lead.area.name) ?? []) : [];
  for (let attempt = 0; chosen.size < k && attempt < k * 10; attempt++) {
    const p = local.length > 0 && chosen.size < k / 2 + 2 ? rng.pick(local) : rng.pick(all);
    const v = table.asOf(p.id, t);
    if (v !== undefined && v.listing_status !== 'SOLD') chosen.add(p.id);
  }
  return [...chosen];
}

export function generateHistory(options: GenerateOptions): History {
  const rng = new Random(options.seed);
  // A stream of its own: drawing the outcome events must not move anything the main stream draws
  // after them, so the history up to each scoring point stays what it was before they existed.
  const outcomeRng = new Random((options.seed ^ OUTCOME_EVENTS_SALT) >>> 0);
  const k = options.candidatesPerLead ?? 8;
  const { properties, events: propertyEvents } = generateProperties(rng, Math.max(100, Math.round(options.leads / 4)));
  const table = new PropertyTable();
  for (const e of propertyEvents) table.apply(e);
  const byArea = new Map<string, GeneratedProperty[]>();
  for (const p of properties) byArea.set(p.area.name, [...(byArea.get(p.area.name) ?? []), p]);

  const leadEvents: LeadEvent[] = [];
  const engagementEvents: EngagementEvent[] = [];
  const outcomes: LeadOutcome[] = [];
  const scoringPoints: ScoringPoint[] = [];
  for (let i = 0; i < options.leads; i++) {
    const lead = generateLead(rng, i, properties, byArea);
    leadEvents.push(...lead.leadEvents);
    engagementEvents.push(...lead.engagements);
    const all: (LeadEvent | EngagementEvent)[] = [...lead.leadEvents, ...lead.engagements];
    const last = all.reduce((a, b) => (b.occurred_at >= a.occurred_at ? b : a));
    const t = last.occurred_at;
    const truth = leadTruth(lead, t);
    const profile = lead.leadEvents[0] as LeadEvent;
    const mid = profile.budget_min !== null && profile.budget_max !== null ? (profile.budget_min + profile.budget_max) / 2 : null;
    const target = profile.location ?? lead.area?.center ?? null;
    const seen = new Set(lead.engagements.filter((e) => e.engagement_type === 'LISTING_VIEW' && e.occurred_at > t - 90 * DAY_MS).map((e) => e.property_id));
    const saved = new Set(lead.engagements.filter((e) => e.engagement_type === 'SAVE' && e.occurred_at > t - 90 * DAY_MS).map((e) => e.property_id));
    const pConv = pConvert(truth);
    const pCh = pChurn(truth);
    const pairs = candidates(rng, lead, table, properties, byArea, t, k).map((id): CandidateOutcome => {
      const v = table.asOf(id, t);
      if (!v) throw new Error(`candidate ${id} has no version at ${t}`);
      const p = pTour({
        priceRatio: mid === null ? null : v.list_price / mid,
        distanceKm: target === null ? null : distanceKm(target, v.location),
        typeMatch: profile.preferred_property_type === v.property_type,
        bedsOk: profile.min_beds === null || v.beds >= profile.min_beds,
        viewed: seen.has(id),
        saved: saved.has(id),
        tours30: truth.tours30,
      });
      return { property_id: id, p_tour: p, toured: rng.bernoulli(p) };
    });
    const outcome: LeadOutcome = {
      lead_id: lead.id,
      as_of_event_id: last.event_id,
      as_of: t,
      intent: lead.intent,
      p_convert: pConv,
      converted: rng.bernoulli(pConv),
      p_churn: pCh,
      churned: rng.bernoulli(pCh),
      candidates: pairs,
    };
    outcomes.push(outcome);
    const point = scoringPointOf(outcome);
    scoringPoints.push(point);
    const lastLeadEvent = lead.leadEvents.reduce((a, b) => (byTime(b, a) > 0 ? b : a));
    const acted = outcomeEvents(outcomeRng, point, lastLeadEvent, truth.unsubscribed);
    leadEvents.push(...acted.leadEvents);
    engagementEvents.push(...acted.engagements);
  }
  return {
    seed: options.seed,
    propertyEvents: [...propertyEvents].sort(byTime),
    leadEvents: leadEvents.sort(byTime),
    engagementEvents: engagementEvents.sort(byTime),
    outcomes,
    scoringPoints,
  };
}
