import { DEFAULT_HORIZONS, type LabelHorizons } from '../features/labels';
import type { EngagementEvent, LeadEvent } from '../schemas/types';
import type { LeadOutcome } from './generate';
import type { Random } from './random';
import { DAY_MS } from './world';

/**
 * The synthetic world acts out the outcomes it drew at each scoring point, as events after it, so
 * that the training labels (src/features/labels.ts) read from those events are the drawn outcomes:
 * a converted lead is won within the conversion horizon, a lead that stays engaged engages within
 * the churn horizon, and each toured listing gets a tour request within the tour horizon. Nothing
 * else happens after a scoring point: a churned lead goes silent.
 */

/** One candidate listing at a scoring point: whether the world toured it, and the true probability of that. */
export interface ScoringPair {
  readonly property_id: string;
  /** The world outcome: the lead toured the listing (a churned lead tours nothing). */
  readonly toured: boolean;
  /** P(toured) = p_tour * (1 - p_churn): the tour and churn draws are independent. */
  readonly p_tour: number;
}

/**
 * A lead's scoring point, its true probabilities and what the world acted out after it, in the
 * field names the training export reads from its `--at` file (outcomes.jsonl).
 */
export interface ScoringPoint {
  readonly lead_id: string;
  /** The event the lead is scored after, and when it occurred. */
  readonly event_id: string;
  readonly occurred_at: number;
  readonly converted: boolean;
  readonly churned: boolean;
  readonly p_convert: number;
  readonly p_churn: number;
  readonly pairs: readonly ScoringPair[];
}

export function scoringPointOf(o: LeadOutcome): ScoringPoint {
  return {
    lead_id: o.lead_id,
    event_id: o.as_of_event_id,
    occurred_at: o.as_of,
    converted: o.converted,
    churned: o.churned,
    p_convert: o.p_convert,
    p_churn: o.p_churn,
    pairs: o.candidates.map((c) => ({ property_id: c.property_id, toured: c.toured && !o.churned, p_tour: c.p_tour * (1 - o.p_churn) })),
  };
}

export interface OutcomeEvents {
  readonly leadEvents: LeadEvent[];
  readonly engagements: EngagementEvent[];
}

/**
 * The events after `point` that make its labels true. `profile` is the lead's last lead event up
 * to the scoring point (a status change carries the lead's profile as it then is); `unsubscribed`
 * keeps email engagement away from a lead that unsubscribed. `rng` must not be the stream that drew
 * the history, so that everything up to the scoring points stays as it was.
 */
export function outcomeEvents(rng: Random, point: ScoringPoint, profile: LeadEvent, unsubscribed: boolean, horizons: LabelHorizons = DEFAULT_HORIZONS): OutcomeEvents {
  // At least 0.01 day (14 min) after the scoring point and well inside the horizon, so that
  // rounding or a clock at the horizon's edge cannot flip a label.
  const within = (days: number): number => point.occurred_at + Math.round(rng.uniform(0.01, 0.95 * days) * DAY_MS);
  const leadEvents: LeadEvent[] = [];
  const engagements: EngagementEvent[] = [];
  if (point.converted) {
    leadEvents.push({ ...profile, event_id: rng.uuid(), event_type: 'STATUS_CHANGED', occurred_at: within(horizons.convertedDays), status: 'CLOSED_WON' });
  }
  const base = { lead_id: point.lead_id, duration_seconds: null, session_id: null };
  for (const pair of point.pairs) {
    if (!pair.toured) continue;
    engagements.push({ ...base, event_id: rng.uuid(), engagement_type: 'TOUR_REQUEST', occurred_at: within(horizons.touredDays), channel: rng.bernoulli(0.55) ? 'MOBILE_APP' : 'WEB', property_id: pair.property_id });
  }
  if (!point.churned && engagements.length === 0) {
    // Still engaged but touring nothing: one light touch, never a tour.
    const at = within(horizons.churnedDays);
    if (!unsubscribed && rng.bernoulli(0.5)) {
      engagements.push({ ...base, event_id: rng.uuid(), engagement_type: 'EMAIL_OPEN', occurred_at: at, channel: 'EMAIL', property_id: null });
    } else {
      engagements.push({
        ...base,
        event_id: rng.uuid(),
        engagement_type: 'PAGE_VIEW',
        occurred_at: at,
        channel: rng.bernoulli(0.55) ? 'MOBILE_APP' : 'WEB',
        property_id: null,
        duration_seconds: Math.round(Math.exp(rng.normal(3.5, 0.8))),
        session_id: `s-${rng.uint32().toString(36)}`,
      });
    }
  }
  return { leadEvents, engagements };
}
