import { distanceKm } from '../../../src/features/geo';
import { applyLeadEvent } from '../../../src/features/lead-state';
import { matchContext, matchFeatures } from '../../../src/features/match-features';
import { PropertyTable } from '../../../src/features/property-table';
import { MATCH_FEATURES } from '../../../src/features/spec';
import { DAY_MS } from '../../../src/features/time';
import type { GeoPoint, PropertyEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';
import { listing } from '../../helpers/listings';

const T0 = Date.UTC(2026, 2, 1);

/** A listing in Riverside at `location`, first listed at `at`. */
const listed = (id: string, at: number, location: GeoPoint, overrides: Partial<PropertyEvent> = {}): PropertyEvent =>
  listing(id, 'Riverside', 500_000, { event_id: `${id}-${at}`, occurred_at: at, location, ...overrides });

const tableOf = (events: readonly PropertyEvent[]): PropertyTable => {
  const table = new PropertyTable();
  for (const e of events) table.apply(e);
  return table;
};

describe('PropertyTable.areaCenter', () => {
  it('is the median latitude and the median longitude, each on its own, of an odd count', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 30 }),
      listed('b', T0, { lat: 5, lon: 10 }),
      listed('c', T0, { lat: 2, lon: 40 }),
    ]);
    // c's latitude and a's longitude: no one listing's point
    expect(table.areaCenter('Riverside', T0)).toEqual({ lat: 2, lon: 30 });
    table.apply(listed('d', T0, { lat: 3, lon: 5 }));
    table.apply(listed('e', T0, { lat: 100, lon: 15 }));
    // lats 1 2 3 5 100 -> 3 (d's); lons 5 10 15 30 40 -> 15 (e's)
    expect(table.areaCenter('Riverside', T0)).toEqual({ lat: 3, lon: 15 });
  });

  it('is the mean of the two middle values of an even count', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 40 }),
      listed('b', T0, { lat: 4, lon: 10 }),
      listed('c', T0, { lat: 2, lon: 30 }),
      listed('d', T0, { lat: 10, lon: 20 }),
    ]);
    expect(table.areaCenter('Riverside', T0)).toEqual({ lat: 3, lon: 25 });
  });

  it('counts each listing once, where its first version naming the area put it', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 1 }),
      // a later version of a moves it: the centre keeps a's first location
      listed('a', T0 + DAY_MS, { lat: 50, lon: 50 }, { event_type: 'PRICE_CHANGED', list_price: 450_000 }),
      listed('b', T0, { lat: 3, lon: 3 }),
    ]);
    expect(table.areaCenter('Riverside', T0 + 2 * DAY_MS)).toEqual({ lat: 2, lon: 2 });
  });

  it('counts a listing that moved into the area from its first version there, and keeps it in the area it left', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 1 }, { area: 'Old Town' }),
      listed('a', T0 + 2 * DAY_MS, { lat: 9, lon: 9 }),
      listed('b', T0, { lat: 3, lon: 3 }),
    ]);
    expect(table.areaCenter('Riverside', T0 + DAY_MS)).toEqual({ lat: 3, lon: 3 });
    expect(table.areaCenter('Riverside', T0 + 2 * DAY_MS)).toEqual({ lat: 6, lon: 6 });
    expect(table.areaCenter('Old Town', T0 + 3 * DAY_MS)).toEqual({ lat: 1, lon: 1 });
  });

  it('is as of t: listings first named later do not count yet', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 1 }),
      listed('b', T0 + DAY_MS, { lat: 3, lon: 3 }),
      listed('c', T0 + 2 * DAY_MS, { lat: 8, lon: 8 }),
    ]);
    expect(table.areaCenter('Riverside', T0 - 1)).toBeUndefined();
    expect(table.areaCenter('Riverside', T0)).toEqual({ lat: 1, lon: 1 });
    expect(table.areaCenter('Riverside', T0 + DAY_MS - 1)).toEqual({ lat: 1, lon: 1 });
    expect(table.areaCenter('Riverside', T0 + DAY_MS)).toEqual({ lat: 2, lon: 2 });
    expect(table.areaCenter('Riverside', T0 + 5 * DAY_MS)).toEqual({ lat: 3, lon: 3 });
  });

  it('still counts sold and removed listings: they are still in that place', () => {
    const table = tableOf([
      listed('a', T0, { lat: 1, lon: 1 }),
      listed('b', T0, { lat: 3, lon: 3 }),
      listed('b', T0 + DAY_MS, { lat: 3, lon: 3 }, { event_type: 'SOLD', listing_status: 'SOLD' }),
    ]);
    table.remove('a', T0 + DAY_MS);
    expect(table.areaCenter('Riverside', T0 + 2 * DAY_MS)).toEqual({ lat: 2, lon: 2 });
  });

  it('gives the same answers for the same events in any order', () => {
    const events = [
      listed('a', T0 + 3 * DAY_MS, { lat: 1, lon: 7 }),
      listed('a', T0 + DAY_MS, { lat: 4, lon: 2 }),
      listed('b', T0 + 2 * DAY_MS, { lat: 6, lon: 1 }),
      listed('c', T0, { lat: 2, lon: 9 }),
      listed('c', T0 + 4 * DAY_MS, { lat: 50, lon: 50 }),
      listed('d', T0 + 2 * DAY_MS, { lat: 9, lon: 4 }),
      // two versions of one listing at the same time: the choice must not depend on the order
      listed('e', T0 + DAY_MS, { lat: 5, lon: 5 }),
      listed('e', T0 + DAY_MS, { lat: 7, lon: 3 }, { event_id: 'e-twin' }),
    ];
    const times = [T0 - 1, T0, T0 + DAY_MS, T0 + 2 * DAY_MS, T0 + 3 * DAY_MS, T0 + 5 * DAY_MS];
    const answers = (order: readonly PropertyEvent[]): (GeoPoint | undefined)[] => {
      const table = tableOf(order);
      return times.map((t) => table.areaCenter('Riverside', t));
    };
    const expected = answers(events);
    // a at T0+1d (4,2), c at T0 (2,9), e at T0+1d, b and d at T0+2d
    expect(expected[1]).toEqual({ lat: 2, lon: 9 });
    for (let k = 0; k < 20; k++) {
      const shuffled = [...events];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = (i * 7 + k * 13) % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as PropertyEvent, shuffled[i] as PropertyEvent];
      }
      expect(answers(shuffled)).toEqual(expected);
      expect(answers([...shuffled].reverse())).toEqual(expected);
    }
  });

  it('answers for events applied after a lookup, including ones earlier than those it had (out of order)', () => {
    const table = tableOf([listed('a', T0 + 2 * DAY_MS, { lat: 1, lon: 1 }), listed('b', T0 + 3 * DAY_MS, { lat: 3, lon: 3 })]);
    expect(table.areaCenter('Riverside', T0 + 3 * DAY_MS)).toEqual({ lat: 2, lon: 2 });
    // same count of qualifying listings (2) at T0+2d, different listings: a cached answer by count must not survive
    table.apply(listed('c', T0, { lat: 11, lon: 11 }));
    expect(table.areaCenter('Riverside', T0 + 2 * DAY_MS)).toEqual({ lat: 6, lon: 6 });
    expect(table.areaCenter('Riverside', T0 + 3 * DAY_MS)).toEqual({ lat: 3, lon: 3 });
    // an earlier version of a known listing moves where it counts and from when
    table.apply(listed('b', T0 + DAY_MS, { lat: 21, lon: 21 }));
    expect(table.areaCenter('Riverside', T0 + DAY_MS)).toEqual({ lat: 16, lon: 16 });
    expect(table.areaCenter('Riverside', T0 + 3 * DAY_MS)).toEqual({ lat: 11, lon: 11 });
    // appended in time order after lookups
    table.apply(listed('d', T0 + 4 * DAY_MS, { lat: 31, lon: 31 }));
    expect(table.areaCenter('Riverside', T0 + 3 * DAY_MS)).toEqual({ lat: 11, lon: 11 });
    expect(table.areaCenter('Riverside', T0 + 4 * DAY_MS)).toEqual({ lat: 16, lon: 16 });
  });

  it('is undefined for an area no listing named', () => {
    const table = tableOf([listed('a', T0, { lat: 1, lon: 1 })]);
    expect(table.areaCenter('Atlantis', T0 + DAY_MS)).toBeUndefined();
    expect(new PropertyTable().areaCenter('Riverside', T0)).toBeUndefined();
  });
});

describe('matchContext for a lead that named an area but no location', () => {
  // Listings of "Riverside" ~50 km from the synthetic city's Riverside centre (40.7484, -73.9857).
  const table = tableOf([
    listed('far-1', T0 - 10 * DAY_MS, { lat: 41.2, lon: -73.99 }),
    listed('far-2', T0 - 10 * DAY_MS, { lat: 41.21, lon: -73.98 }),
    listed('far-3', T0 - 10 * DAY_MS, { lat: 41.22, lon: -73.97 }),
  ]);
  const lead = applyLeadEvent(undefined, leadEvent(2, { lead_id: 'lead-2', occurred_at: T0, preferred_area: 'Riverside', location: null }));

  it('takes the area centre from the property table as of the event time', () => {
    const ctx = matchContext(lead, T0, (area, t) => table.areaCenter(area, t));
    expect(ctx.target).toEqual({ lat: 41.21, lon: -73.98 });
    const r = matchFeatures(lead, table.asOf('far-2', T0)!, T0, (area, t) => table.areaCenter(area, t));
    if (!r.ok) throw new Error('rejected');
    // far-2 is at the listings' centre; the synthetic city's Riverside centre would be ~51 km away
    expect(distanceKm({ lat: 40.7484, lon: -73.9857 }, { lat: 41.21, lon: -73.98 })).toBeGreaterThan(50);
    expect(r.row[MATCH_FEATURES.findIndex((f) => f.name === 'distance_km')]).toBeCloseTo(0, 3);
  });

  it('passes the event time to the lookup, and knows no target when the area has no centre then', () => {
    const asked: [string, number][] = [];
    const ctx = matchContext(lead, T0 + 5, (area, t) => {
      asked.push([area, t]);
      return undefined;
    });
    expect(asked).toEqual([['Riverside', T0 + 5]]);
    expect(ctx.target).toBeNull();
    expect(matchContext(lead, T0 - 20 * DAY_MS, (area, t) => table.areaCenter(area, t)).target).toBeNull();
  });
});
