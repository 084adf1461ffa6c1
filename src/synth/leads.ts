import type { EngagementChannel, EngagementEvent, EngagementType, LeadEvent, LeadStatus, PropertyType, SourceChannel } from '../schemas/types';
import type { GeneratedProperty } from './properties';
import type { Random } from './random';
import { AREAS, basePrice, DAY_MS, EPOCH_MS, type Area } from './world';

/**
 * One lead's observed history. A latent intent z ~ N(0, 1) sets how often the lead engages and
 * how much of it is high-signal (saves, tours, calls); engagement fades with a time constant that
 * is longer for keen leads. The history ends at a random point 0.5-45 days after creation: that
 * point is where it is scored, and the outcomes (drawn in generate.ts) are about what follows.
 */
export interface GeneratedLead {
  readonly id: string;
  readonly intent: number;
  readonly createdAt: number;
  readonly area: Area | null;
  readonly leadEvents: LeadEvent[];
  readonly engagements: EngagementEvent[];
}

const SOURCES: readonly SourceChannel[] = ['WEB', 'MOBILE_APP', 'REFERRAL', 'PORTAL', 'OPEN_HOUSE', 'PAID_SEARCH', 'SOCIAL', 'OTHER'];
const PREFERRED_TYPES: readonly PropertyType[] = ['SINGLE_FAMILY', 'CONDO', 'TOWNHOUSE', 'MULTI_FAMILY'];
const ENGAGEMENTS: readonly EngagementType[] = ['PAGE_VIEW', 'LISTING_VIEW', 'SAVE', 'SHARE', 'EMAIL_OPEN', 'EMAIL_CLICK', 'TOUR_REQUEST', 'CALL', 'MESSAGE'];
const BASE_WEIGHTS = [3, 4, 0.8, 0.2, 2, 0.6, 0.25, 0.2, 0.3];
/** How strongly intent tilts each type's share: keen leads save, tour, call and click more. */
const INTENT_TILT = [0, 0.2, 0.6, 0.3, 0, 0.6, 0.9, 0.8, 0.5];
const STATUS_PATH: readonly LeadStatus[] = ['NEW', 'CONTACTED', 'QUALIFIED', 'TOURING', 'OFFER'];

function channelFor(type: EngagementType, rng: Random): EngagementChannel {
  if (type === 'EMAIL_OPEN' || type === 'EMAIL_CLICK') return 'EMAIL';
  if (type === 'CALL') return 'PHONE';
  if (type === 'MESSAGE') return rng.bernoulli(0.5) ? 'SMS' : 'WEB';
  return rng.bernoulli(0.55) ? 'MOBILE_APP' : 'WEB';
}

/** Listings already on the market at `t`, preferring the lead's area when it has one. */
function pickListing(rng: Random, byArea: ReadonlyMap<string, GeneratedProperty[]>, all: GeneratedProperty[], area: Area | null, t: number): GeneratedProperty | undefined {
  const pool = area !== null && rng.bernoulli(0.65) ? (byArea.get(area.name) ?? all) : all;
  for (let attempt = 0; attempt < 8; attempt++) {
    const p = rng.pick(pool);
    if (p.listedAt <= t) return p;
  }
  return undefined;
}

export function generateLead(
  rng: Random,
  index: number,
  properties: GeneratedProperty[],
  byArea: ReadonlyMap<string, GeneratedProperty[]>,
): GeneratedLead {
  const id = `lead-${String(index).padStart(7, '0')}`;
  const z = rng.normal();
  const createdAt = EPOCH_MS + Math.round(rng.uniform(0, 90) * DAY_MS);
  const sourceWeights = [3, 2, 1 + Math.max(0, z), 2, 0.5, 1.5, 1, 0.5];
  const source = SOURCES[rng.weighted(sourceWeights)] as SourceChannel;
  const area = rng.bernoulli(0.85) ? rng.pick(AREAS) : null;
  const minBeds = rng.bernoulli(0.8) ? rng.int(1, 4) : null;
  const mid = (area?.priceLevel ?? 1) * basePrice(minBeds ?? 2) * Math.exp(rng.normal(0, 0.25));
  const budgetKnown = rng.bernoulli(0.8);
  const profile = {
    lead_id: id,
    source_channel: source,
    budget_min: budgetKnown ? Math.round((mid * 0.9) / 5000) * 5000 : null,
    budget_max: budgetKnown ? Math.round((mid * 1.1) / 5000) * 5000 : null,
    preferred_area: area?.name ?? null,
    preferred_property_type: rng.bernoulli(0.7) ? rng.pick(PREFERRED_TYPES) : null,
    min_beds: minBeds,
    min_baths: minBeds === null ? null : Math.max(1, minBeds - 1),
    location: area !== null && rng.bernoulli(0.7) ? { lat: area.center.lat + rng.normal(0, 0.01), lon: area.center.lon + rng.normal(0, 0.01) } : null,
    agent_id: `agent-${rng.int(1, 40)}`,
  };
  let status: LeadStatus = 'NEW';
  const leadEvents: LeadEvent[] = [{ ...profile, event_id: rng.uuid(), event_type: 'CREATED', occurred_at: createdAt, status }];
  const observedUntil = createdAt + Math.round(rng.uniform(0.5, 45) * DAY_MS);

  const engagements: EngagementEvent[] = [];
  const rate0 = 1.2 * Math.exp(0.8 * z);
  const tau = 15 * Math.exp(0.6 * z);
  const weights = BASE_WEIGHTS.map((w, i) => w * Math.exp((INTENT_TILT[i] as number) * z));
  const seen: string[] = [];
  let unsubscribed = false;
  for (let t = createdAt; ; ) {
    const rate = rate0 * Math.exp(-(t - createdAt) / DAY_MS / tau) + 0.05;
    t += Math.round(rng.exponential(rate) * DAY_MS);
    if (t > observedUntil) break;
    if (!unsubscribed && rng.bernoulli(0.004)) {
      unsubscribed = true;
      engagements.push({ event_id: rng.uuid(), lead_id: id, engagement_type: 'UNSUBSCRIBE', occurred_at: t, channel: 'EMAIL', property_id: null, duration_seconds: null, session_id: null });
      continue;
    }
    const type = ENGAGEMENTS[rng.weighted(weights.map((w, i) => (unsubscribed && (i === 4 || i === 5) ? 0 : w)))] as EngagementType;
    let propertyId: string | null = null;
    if (type === 'LISTING_VIEW' || type === 'SAVE' || type === 'SHARE' || type === 'TOUR_REQUEST') {
      // Saves, shares and tours are mostly of listings the lead has already looked at.
      const reuse = type !== 'LISTING_VIEW' && seen.length > 0 && rng.bernoulli(0.6);
      propertyId = reuse ? rng.pick(seen) : (pickListing(rng, byArea, properties, area, t)?.id ?? null);
      if (propertyId === null) continue;
      if (type === 'LISTING_VIEW') seen.push(propertyId);
    }
    const viewing = type === 'PAGE_VIEW' || type === 'LISTING_VIEW';
    engagements.push({
      event_id: rng.uuid(),
      lead_id: id,
      engagement_type: type,
      occurred_at: t,
      channel: channelFor(type, rng),
      property_id: propertyId,
      duration_seconds: viewing ? Math.round(Math.exp(rng.normal(3.5, 0.8))) : null,
      session_id: viewing ? `s-${rng.uint32().toString(36)}` : null,
    });
    // Agents move keen leads along the pipeline after tours and calls.
    if ((type === 'TOUR_REQUEST' || type === 'CALL') && rng.bernoulli(0.5)) {
      const next = STATUS_PATH[Math.min(STATUS_PATH.indexOf(status) + 1, STATUS_PATH.length - 1)] as LeadStatus;
      if (next !== status) {
        status = next;
        leadEvents.push({ ...profile, event_id: rng.uuid(), event_type: 'STATUS_CHANGED', occurred_at: t + Math.round(rng.uniform(0.1, 2) * DAY_MS), status });
      }
    }
  }
  // Profile updates by agents, unrelated to intent: they make recency vary at scoring time.
  const changes = [...leadEvents];
  for (let t = createdAt + Math.round(rng.exponential(0.08) * DAY_MS); t <= observedUntil; t += Math.round(rng.exponential(0.08) * DAY_MS)) {
    // The status as it was at t, not the final one: an update must not carry the future.
    const asOf = changes.filter((e) => e.occurred_at <= t).pop()?.status ?? 'NEW';
    leadEvents.push({ ...profile, event_id: rng.uuid(), event_type: 'UPDATED', occurred_at: t, status: asOf });
  }
  return {
    id,
    intent: z,
    createdAt,
    area,
    leadEvents: leadEvents.filter((e) => e.occurred_at <= observedUntil),
    engagements,
  };
}
