import type { GeoPoint } from '../schemas/types';
import { distanceKm } from './geo';
import { budgetMid } from './lead-features';
import { countInWindow, MEMORY_MS, type LeadState } from './lead-state';
import type { PropertyVersion } from './property-table';
import type { FeatureResult } from './result';
import { MATCH_FEATURES } from './spec';
import { DAY_MS } from './time';
import { toRow } from './validate';

/**
 * The centre of an area as of a time (PropertyTable.areaCenter when serving), undefined if it
 * has none yet. Where the lead wants to buy: its location, else this for its preferred area at
 * the event's time, else unknown.
 */
export type AreaCenters = (area: string, t: number) => GeoPoint | undefined;

export const UNKNOWN_DISTANCE_KM = 25;

/** What the match row needs of the lead at `t`: computed once per scored event, not once per listing. */
export interface MatchContext {
  readonly state: LeadState;
  readonly t: number;
  readonly mid: number | null;
  readonly target: GeoPoint | null;
  readonly tours30d: number;
}

export function matchContext(state: LeadState, t: number, areas: AreaCenters): MatchContext {
  return {
    state,
    t,
    mid: budgetMid(state),
    target: state.location ?? (state.preferred_area !== null ? areas(state.preferred_area, t) : undefined) ?? null,
    tours30d: Math.log1p(countInWindow(state, 'TOUR_REQUEST', t, 30 * DAY_MS)),
  };
}

/**
 * The property_matcher row for (lead, listing as of `t`), in MATCH_FEATURES order. `listing` must
 * be the version in force at `t` (PropertyTable.asOf), which keeps joins point-in-time.
 */
export function matchFeatures(state: LeadState, listing: PropertyVersion, t: number, areas: AreaCenters): FeatureResult {
  return matchRow(matchContext(state, t, areas), listing);
}

export function matchRow(ctx: MatchContext, listing: PropertyVersion): FeatureResult {
  return toRow(MATCH_FEATURES, matchValues(ctx, listing));
}

/** The match row's values, unchecked, in MATCH_FEATURES order (matchRow checks them). */
export function matchValues(ctx: MatchContext, listing: PropertyVersion): number[] {
  const { state, t, mid, target } = ctx;
  const ratio = mid !== null && mid > 0 ? listing.list_price / mid : 1;
  const viewedAt = state.viewed[listing.property_id];
  const savedAt = state.saved[listing.property_id];
  const within = (at: number | undefined): number => (at !== undefined && at <= t && at > t - MEMORY_MS ? 1 : 0);
  return [
    Math.log(listing.list_price),
    ratio,
    mid !== null && mid > 0 ? Math.abs(Math.log(ratio)) : 0,
    target === null ? UNKNOWN_DISTANCE_KM : distanceKm(target, listing.location),
    target === null ? 0 : 1,
    state.min_beds === null ? 0 : listing.beds - state.min_beds,
    state.preferred_property_type !== null && state.preferred_property_type === listing.property_type ? 1 : 0,
    state.preferred_area !== null && state.preferred_area === listing.area ? 1 : 0,
    within(viewedAt),
    within(savedAt),
    ctx.tours30d,
    mid === null ? 0 : 1,
    Math.max(0, (t - listing.listed_at) / DAY_MS),
    listing.list_price < listing.original_price ? 1 : 0,
  ];
}
