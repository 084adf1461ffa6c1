import { candidates, MAX_CANDIDATES } from '../../../src/features/candidates';
import { budgetMid } from '../../../src/features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../../src/features/lead-state';
import { PropertyTable, type PropertyVersion } from '../../../src/features/property-table';
import { generateHistory } from '../../../src/synth/generate';
import { DAY_MS } from '../../../src/features/time';
import { leadEvent } from '../../helpers/lead-events';
import { T0, listing } from '../../helpers/listings';


describe('candidates', () => {
  const table = new PropertyTable();
  table.apply(listing('p-near-budget', 'Riverside', 410_000));
  table.apply(listing('p-pricey', 'Riverside', 900_000));
  table.apply(listing('p-sold-later', 'Riverside', 400_000));
  table.apply(listing('p-sold-later', 'Riverside', 400_000, { event_type: 'SOLD', occurred_at: T0 + 5 * DAY_MS, listing_status: 'SOLD' }));
  table.apply(listing('p-not-yet', 'Riverside', 400_000, { occurred_at: T0 + 10 * DAY_MS }));
  table.apply(listing('p-elsewhere', 'Old Town', 1_500_000));
  const lead = applyEngagementEvent(
    applyLeadEvent(undefined, leadEvent(1, { lead_id: 'l', occurred_at: T0 - DAY_MS, preferred_area: 'Riverside', budget_min: 380_000, budget_max: 420_000 })),
    { event_id: 'v', lead_id: 'l', engagement_type: 'LISTING_VIEW', occurred_at: T0, channel: 'WEB', property_id: 'p-elsewhere', duration_seconds: 10, session_id: null },
  );

  it('are the viewed listings first, then the area by closeness to the budget, as of the time', () => {
    expect(candidates(lead, table, T0 + DAY_MS).map((v) => v.property_id)).toEqual(['p-elsewhere', 'p-sold-later', 'p-near-budget', 'p-pricey']);
    // Later, one has sold and one has come on the market.
    expect(candidates(lead, table, T0 + 20 * DAY_MS).map((v) => v.property_id)).toEqual(['p-elsewhere', 'p-not-yet', 'p-near-budget', 'p-pricey']);
  });

  it('are capped, keeping the best', () => {
    expect(candidates(lead, table, T0 + DAY_MS, 2).map((v) => v.property_id)).toEqual(['p-elsewhere', 'p-sold-later']);
  });
});

/** The straightforward definition: the viewed and saved, and every listing in the area as of `t`, in one sort. */
function reference(state: LeadState, table: PropertyTable, t: number, max = MAX_CANDIDATES): PropertyVersion[] {
  const seen = new Set([...Object.keys(state.viewed), ...Object.keys(state.saved)]);
  const ids = new Set(seen);
  for (const id of table.ids()) ids.add(id);
  const mid = budgetMid(state);
  const fit = (v: PropertyVersion): number => (mid === null || mid <= 0 ? 0 : Math.abs(Math.log(v.list_price / mid)));
  const live: PropertyVersion[] = [];
  for (const id of ids) {
    const v = table.asOf(id, t);
    if (v !== undefined && v.listing_status === 'ACTIVE' && (seen.has(id) || v.area === state.preferred_area)) live.push(v);
  }
  live.sort((a, b) => Number(seen.has(b.property_id)) - Number(seen.has(a.property_id)) || fit(a) - fit(b) || (a.property_id < b.property_id ? -1 : 1));
  return live.slice(0, max);
}

describe('candidates over a generated history', () => {
  it('are exactly those of the straightforward definition, for every event of every lead', () => {
    const h = generateHistory({ leads: 600, seed: 5 });
    const table = new PropertyTable();
    // Half the table first, the rest while events go by and newest first: the index must take in
    // listings that come later and versions that come out of time order.
    const half = Math.floor(h.propertyEvents.length / 2);
    h.propertyEvents.slice(0, half).forEach((e) => table.apply(e));
    const events = [...h.leadEvents, ...h.engagementEvents].sort((a, b) => a.occurred_at - b.occurred_at);
    const states = new Map<string, LeadState>();
    let compared = 0;
    events.forEach((e, i) => {
      if (i === Math.floor(events.length / 2)) h.propertyEvents.slice(half).reverse().forEach((p) => table.apply(p));
      const next = 'engagement_type' in e ? applyEngagementEvent(states.get(e.lead_id), e) : applyLeadEvent(states.get(e.lead_id), e);
      states.set(e.lead_id, next);
      expect(candidates(next, table, e.occurred_at).map((v) => v.property_id)).toEqual(reference(next, table, e.occurred_at).map((v) => v.property_id));
      compared++;
    });
    expect(compared).toBeGreaterThan(10_000);
  });
});
