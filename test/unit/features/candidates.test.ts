import { candidates } from '../../../src/features/candidates';
import { applyEngagementEvent, applyLeadEvent } from '../../../src/features/lead-state';
import { PropertyTable } from '../../../src/features/property-table';
import { DAY_MS } from '../../../src/features/time';
import type { PropertyEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';

const T0 = Date.UTC(2026, 3, 1);
const listing = (id: string, area: string, price: number, overrides: Partial<PropertyEvent> = {}): PropertyEvent => ({
  event_id: `${id}-${overrides.occurred_at ?? 0}`,
  property_id: id,
  event_type: 'LISTED',
  occurred_at: T0 - 30 * DAY_MS,
  list_price: price,
  property_type: 'CONDO',
  beds: 2,
  baths: 1,
  sqft: null,
  area,
  location: { lat: 40.7, lon: -74 },
  listing_status: 'ACTIVE',
  ...overrides,
});

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
