import type { GeoPoint } from '../schemas/types';

export { DAY_MS } from '../features/time';

/** The synthetic city: neighbourhoods with a centre and a price level (1 = the city's median). */
export interface Area {
  readonly name: string;
  readonly center: GeoPoint;
  readonly priceLevel: number;
}

export const AREAS: readonly Area[] = [
  { name: 'Riverside', center: { lat: 40.7484, lon: -73.9857 }, priceLevel: 1.6 },
  { name: 'Old Town', center: { lat: 40.7306, lon: -73.9866 }, priceLevel: 1.3 },
  { name: 'Harbor View', center: { lat: 40.7033, lon: -74.017 }, priceLevel: 1.8 },
  { name: 'Maple Heights', center: { lat: 40.7831, lon: -73.9712 }, priceLevel: 1.1 },
  { name: 'Cedar Park', center: { lat: 40.8116, lon: -73.9465 }, priceLevel: 0.9 },
  { name: 'Eastgate', center: { lat: 40.7282, lon: -73.7949 }, priceLevel: 0.8 },
  { name: 'Lakeside', center: { lat: 40.6782, lon: -73.9442 }, priceLevel: 1.0 },
  { name: 'Northfield', center: { lat: 40.8448, lon: -73.8648 }, priceLevel: 0.7 },
  { name: 'Westbrook', center: { lat: 40.7357, lon: -74.1724 }, priceLevel: 0.75 },
  { name: 'Southport', center: { lat: 40.5795, lon: -74.1502 }, priceLevel: 0.85 },
  { name: 'Hillcrest', center: { lat: 40.7128, lon: -73.8 }, priceLevel: 1.2 },
  { name: 'Union Square', center: { lat: 40.7359, lon: -73.9911 }, priceLevel: 1.5 },
];

/** Area name -> centre, for the distance of a lead that named an area but no location. */
export const AREA_CENTERS: ReadonlyMap<string, GeoPoint> = new Map(AREAS.map((a) => [a.name, a.center]));

/** All synthetic time starts here (2026-01-01T00:00:00Z), so a seed gives the same timestamps. */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

/** Median list price of a home with `beds` bedrooms in an area of price level 1. */
export function basePrice(beds: number): number {
  return 120_000 + 110_000 * beds;
}
