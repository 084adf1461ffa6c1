import { budgetMid } from './lead-features';
import type { LeadState } from './lead-state';
import { isActiveAt, type AreaVersion, type PropertyTable, type PropertyVersion } from './property-table';

export const MAX_CANDIDATES = 20;

interface Candidate {
  readonly v: PropertyVersion;
  readonly fit: number;
}

const byFitThenId = (a: Candidate, b: Candidate): number => a.fit - b.fit || (a.v.property_id < b.v.property_id ? -1 : 1);

/**
 * The listings property_matcher scores for a lead at time `t`: those it viewed or saved, then
 * those in its preferred area, all as they were at `t` and on the market (ACTIVE) then. At most
 * `max`, chosen deterministically (viewed/saved first, then closest to the budget, then by id) so
 * that a replay picks the same candidates.
 */
export function candidates(state: LeadState, table: PropertyTable, t: number, max = MAX_CANDIDATES): PropertyVersion[] {
  const mid = budgetMid(state);
  const priced = mid !== null && mid > 0;
  const fit = (v: PropertyVersion): number => (priced ? Math.abs(Math.log(v.list_price / (mid as number))) : 0);
  const seen = new Set<string>();
  const first: Candidate[] = [];
  for (const ids of [Object.keys(state.viewed), Object.keys(state.saved)]) {
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const v = table.asOf(id, t);
      if (v !== undefined && v.listing_status === 'ACTIVE') first.push({ v, fit: fit(v) });
    }
  }
  first.sort(byFitThenId);
  const out = first.slice(0, max).map((c) => c.v);
  if (out.length >= max || state.preferred_area === null) return out;
  const area = table.area(state.preferred_area);
  const need = max - out.length;
  return out.concat(priced ? closest(area.byPrice, t, Math.log(mid as number), need, seen, fit) : firstById(area.byId, t, need, seen));
}

/** Without a budget every listing fits alike: the first `need` by id. A listing has one version at `t`. */
function firstById(byId: readonly AreaVersion[], t: number, need: number, seen: ReadonlySet<string>): PropertyVersion[] {
  const out: PropertyVersion[] = [];
  for (const a of byId) {
    if (out.length === need) break;
    if (isActiveAt(a, t) && !seen.has(a.version.property_id)) out.push(a.version);
  }
  return out;
}

/**
 * The `need` listings not in `seen` closest to the budget (|log(price / mid)|, then id), from
 * the area's versions sorted by log price, those not on the market at `t` skipped: outward from
 * where the budget falls, and a little past the last one taken, so that rounding between
 * log(price) - log(mid) and log(price / mid) cannot change which listings tie; the exact order is
 * then the same comparison as everywhere else.
 */
function closest(byPrice: readonly AreaVersion[], t: number, logMid: number, need: number, seen: ReadonlySet<string>, fit: (v: PropertyVersion) => number): PropertyVersion[] {
  let lo = 0;
  let hi = byPrice.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if ((byPrice[m] as AreaVersion).logPrice < logMid) lo = m + 1;
    else hi = m;
  }
  let left = lo - 1;
  let right = lo;
  const taken: Candidate[] = [];
  let bound = Number.POSITIVE_INFINITY;
  const EPSILON = 1e-9;
  for (;;) {
    const l = byPrice[left];
    const r = byPrice[right];
    const dl = l ? logMid - l.logPrice : Number.POSITIVE_INFINITY;
    const dr = r ? r.logPrice - logMid : Number.POSITIVE_INFINITY;
    const d = Math.min(dl, dr);
    if (d === Number.POSITIVE_INFINITY || d > bound) break;
    const next = dl <= dr ? (left--, l) : (right++, r);
    if (!next || !isActiveAt(next, t) || seen.has(next.version.property_id)) continue;
    taken.push({ v: next.version, fit: fit(next.version) });
    if (taken.length === need) bound = d + EPSILON;
  }
  return taken.sort(byFitThenId).slice(0, need).map((c) => c.v);
}
