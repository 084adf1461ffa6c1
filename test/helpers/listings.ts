import { DAY_MS } from '../../src/features/time';
import type { PropertyEvent } from '../../src/schemas/types';

/** The day the property-table unit tests look at the table. */
export const T0 = Date.UTC(2026, 3, 1);

/** A listing event, listed 30 days before T0 unless `overrides` say otherwise. */
export const listing = (id: string, area: string, price: number, overrides: Partial<PropertyEvent> = {}): PropertyEvent => ({
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
