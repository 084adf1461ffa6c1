import type { PropertyEvent, PropertyType } from '../schemas/types';
import type { Random } from './random';
import { AREAS, basePrice, DAY_MS, EPOCH_MS, type Area } from './world';

const TYPES: readonly PropertyType[] = ['SINGLE_FAMILY', 'CONDO', 'TOWNHOUSE', 'MULTI_FAMILY'];
const TYPE_WEIGHTS = [0.45, 0.3, 0.18, 0.07];
const TYPE_PRICE: Readonly<Record<PropertyType, number>> = { SINGLE_FAMILY: 1.1, CONDO: 0.85, TOWNHOUSE: 0.95, MULTI_FAMILY: 1.3, LAND: 0.5, OTHER: 1 };

export interface GeneratedProperty {
  readonly id: string;
  readonly area: Area;
  readonly type: PropertyType;
  readonly listedAt: number;
}

/**
 * Listings spread over the areas, listed between 60 days before the epoch and 120 days after it;
 * some get a price cut, some go pending and sell. Prices follow the area's level and the size.
 */
export function generateProperties(rng: Random, count: number): { properties: GeneratedProperty[]; events: PropertyEvent[] } {
  const properties: GeneratedProperty[] = [];
  const events: PropertyEvent[] = [];
  for (let i = 0; i < count; i++) {
    const area = rng.pick(AREAS);
    const type = TYPES[rng.weighted(TYPE_WEIGHTS)] as PropertyType;
    const beds = type === 'CONDO' ? rng.int(0, 3) : rng.int(1, 5);
    const baths = Math.max(1, Math.round(beds * 0.75 * 2) / 2);
    const price = Math.round((area.priceLevel * basePrice(beds) * TYPE_PRICE[type] * Math.exp(rng.normal(0, 0.15))) / 1000) * 1000;
    const id = `prop-${String(i).padStart(6, '0')}`;
    const listedAt = EPOCH_MS + Math.round(rng.uniform(-60, 120) * DAY_MS);
    const base = {
      property_id: id,
      property_type: type,
      beds,
      baths,
      sqft: Math.max(300, Math.round(450 * Math.max(beds, 1) + rng.normal(0, 150))),
      area: area.name,
      location: { lat: area.center.lat + rng.normal(0, 0.01), lon: area.center.lon + rng.normal(0, 0.012) },
    };
    events.push({ ...base, event_id: rng.uuid(), event_type: 'LISTED', occurred_at: listedAt, list_price: price, listing_status: 'ACTIVE' });
    let current = price;
    if (rng.bernoulli(0.35)) {
      current = Math.round((price * rng.uniform(0.92, 0.98)) / 1000) * 1000;
      const at = listedAt + Math.round(rng.uniform(7, 60) * DAY_MS);
      events.push({ ...base, event_id: rng.uuid(), event_type: 'PRICE_CHANGED', occurred_at: at, list_price: current, listing_status: 'ACTIVE' });
    }
    if (rng.bernoulli(0.3)) {
      const soldAt = listedAt + Math.round(rng.uniform(70, 150) * DAY_MS);
      events.push({ ...base, event_id: rng.uuid(), event_type: 'STATUS_CHANGED', occurred_at: soldAt - 10 * DAY_MS, list_price: current, listing_status: 'PENDING' });
      const sale = Math.round((current * rng.uniform(0.97, 1.03)) / 1000) * 1000;
      events.push({ ...base, event_id: rng.uuid(), event_type: 'SOLD', occurred_at: soldAt, list_price: sale, listing_status: 'SOLD' });
    }
    properties.push({ id, area, type, listedAt });
  }
  return { properties, events };
}
