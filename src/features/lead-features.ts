import type { LeadStatus } from '../schemas/types';
import { countInWindow, distinctViewed, type LeadState } from './lead-state';
import type { FeatureResult } from './result';
import { LEAD_FEATURES } from './spec';
import { DAY_MS } from './time';
import { toRow } from './validate';

const STATUS_RANK: Readonly<Record<LeadStatus, number>> = {
  NEW: 0,
  CONTACTED: 1,
  QUALIFIED: 2,
  TOURING: 3,
  OFFER: 4,
  CLOSED_WON: 5,
  CLOSED_LOST: 6,
};

const log1p = Math.log1p;

/** Days since the last engagement as of `t`, capped at 60; 60 when the lead never engaged. */
export function daysSinceLastEngagement(state: LeadState, t: number): number {
  if (state.last_engagement_at === null) return 60;
  return Math.min(60, Math.max(0, (t - state.last_engagement_at) / DAY_MS));
}

export function budgetMid(state: LeadState): number | null {
  if (state.budget_min === null && state.budget_max === null) return null;
  const lo = state.budget_min ?? (state.budget_max as number) * 0.8;
  const hi = state.budget_max ?? lo * 1.25;
  return (lo + hi) / 2;
}

/**
 * The lead_scorer / churn_predictor row for a lead as of time `t` (the scored event's time), in
 * LEAD_FEATURES order. Pure: the same state and time always give the same row.
 */
export function leadFeatures(state: LeadState, t: number): FeatureResult {
  const w = (k: Parameters<typeof countInWindow>[1], days: number): number => log1p(countInWindow(state, k, t, days * DAY_MS));
  const mid = budgetMid(state);
  const width = mid !== null && mid > 0 && state.budget_min !== null && state.budget_max !== null ? (state.budget_max - state.budget_min) / mid : 0;
  const source = state.source_channel;
  return toRow(LEAD_FEATURES, [
    w('PAGE_VIEW', 7),
    w('LISTING_VIEW', 1),
    w('LISTING_VIEW', 7),
    w('LISTING_VIEW', 30),
    w('SAVE', 7),
    w('SAVE', 30),
    w('SHARE', 30),
    w('EMAIL_OPEN', 30),
    w('EMAIL_CLICK', 30),
    w('TOUR_REQUEST', 30),
    w('CALL', 30),
    w('MESSAGE', 30),
    log1p(distinctViewed(state, t, 30 * DAY_MS)),
    daysSinceLastEngagement(state, t),
    Math.min(365, Math.max(0, (t - state.created_at) / DAY_MS)),
    mid === null ? 0 : 1,
    mid === null || mid <= 0 ? 0 : Math.log(mid),
    width,
    source === 'REFERRAL' ? 1 : 0,
    source === 'PAID_SEARCH' ? 1 : 0,
    source === 'WEB' || source === 'MOBILE_APP' ? 1 : 0,
    STATUS_RANK[state.status],
    state.unsubscribed ? 1 : 0,
    state.min_beds ?? 0,
  ]);
}
