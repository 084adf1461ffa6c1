import { budgetMid } from './lead-features';
import type { LeadState } from './lead-state';
import type { PropertyTable, PropertyVersion } from './property-table';

export const MAX_CANDIDATES = 20;

/**
 * The listings property_matcher scores for a lead at time `t`: those it viewed or saved, then
 * those in its preferred area, all as they were at `t` and on the market (ACTIVE) then. At most
 * `max`, chosen deterministically (viewed/saved first, then closest to the budget, then by id) so
 * that a replay picks the same candidates.
 */
export function candidates(state: LeadState, table: PropertyTable, t: number, max = MAX_CANDIDATES): PropertyVersion[] {
  const seen = new Set([...Object.keys(state.viewed), ...Object.keys(state.saved)]);
  const ids = new Set(seen);
  if (state.preferred_area !== null) for (const id of table.inArea(state.preferred_area)) ids.add(id);
  const mid = budgetMid(state);
  const fit = (v: PropertyVersion): number => (mid === null || mid <= 0 ? 0 : Math.abs(Math.log(v.list_price / mid)));
  const live: PropertyVersion[] = [];
  for (const id of ids) {
    const v = table.asOf(id, t);
    if (v !== undefined && v.listing_status === 'ACTIVE') live.push(v);
  }
  live.sort((a, b) => Number(seen.has(b.property_id)) - Number(seen.has(a.property_id)) || fit(a) - fit(b) || (a.property_id < b.property_id ? -1 : 1));
  return live.slice(0, max);
}
