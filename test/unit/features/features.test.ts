import { leadFeatures } from '../../../src/features/lead-features';
import { applyEngagementEvent, applyLeadEvent, countInWindow, type LeadState } from '../../../src/features/lead-state';
import { matchFeatures } from '../../../src/features/match-features';
import { PropertyTable } from '../../../src/features/property-table';
import { LEAD_FEATURES, MATCH_FEATURES } from '../../../src/features/spec';
import { DAY_MS } from '../../../src/features/time';
import { toRow, validateEngagementEvent, validateLeadEvent, validatePropertyEvent } from '../../../src/features/validate';
import type { EngagementEvent, PropertyEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';

const T0 = Date.UTC(2026, 2, 1);
const engagement = (type: EngagementEvent['engagement_type'], at: number, property_id: string | null = null): EngagementEvent => ({
  event_id: `e-${type}-${at}`,
  lead_id: 'lead-1',
  engagement_type: type,
  occurred_at: at,
  channel: 'WEB',
  property_id,
  duration_seconds: null,
  session_id: null,
});
const listing = (overrides: Partial<PropertyEvent> = {}): PropertyEvent => ({
  event_id: 'p-e1',
  property_id: 'p1',
  event_type: 'LISTED',
  occurred_at: T0 - 10 * DAY_MS,
  list_price: 500_000,
  property_type: 'CONDO',
  beds: 2,
  baths: 2,
  sqft: 1000,
  area: 'Riverside',
  location: { lat: 40.75, lon: -73.98 },
  listing_status: 'ACTIVE',
  ...overrides,
});

function named(row: Float32Array, spec: typeof LEAD_FEATURES, name: string): number {
  return row[spec.findIndex((f) => f.name === name)] as number;
}

describe('lead state and lead features', () => {
  const base = applyLeadEvent(undefined, leadEvent(1, { lead_id: 'lead-1', occurred_at: T0, source_channel: 'REFERRAL' }));

  it('counts engagement in exact windows ending at the scored event', () => {
    let s: LeadState = base;
    for (const at of [T0, T0 + 20 * DAY_MS, T0 + 29 * DAY_MS]) s = applyEngagementEvent(s, engagement('TOUR_REQUEST', at));
    const t = T0 + 30 * DAY_MS;
    // Windows are (t - w, t]: the tour exactly 30 days before t is outside.
    expect(countInWindow(s, 'TOUR_REQUEST', t, 30 * DAY_MS)).toBe(2);
    expect(countInWindow(s, 'TOUR_REQUEST', t, 7 * DAY_MS)).toBe(1);
    const r = leadFeatures(s, t);
    if (!r.ok) throw new Error(r.message);
    expect(named(r.row, LEAD_FEATURES, 'log_tour_requests_30d')).toBeCloseTo(Math.log1p(2), 6);
    expect(named(r.row, LEAD_FEATURES, 'days_since_last_engagement')).toBeCloseTo(1, 6);
    expect(named(r.row, LEAD_FEATURES, 'source_referral')).toBe(1);
  });

  it('is a pure function: the same events in the same order give the same row', () => {
    const events = [engagement('LISTING_VIEW', T0 + DAY_MS, 'p1'), engagement('SAVE', T0 + 2 * DAY_MS, 'p1'), engagement('CALL', T0 + 3 * DAY_MS)];
    const run = (): Float32Array => {
      let s = base;
      for (const e of events) s = applyEngagementEvent(s, e);
      const r = leadFeatures(s, T0 + 3 * DAY_MS);
      if (!r.ok) throw new Error(r.message);
      return r.row;
    };
    expect(Array.from(run())).toEqual(Array.from(run()));
    expect(run()).toHaveLength(LEAD_FEATURES.length);
  });

  it('does not change the state it was given', () => {
    const before = JSON.stringify(base);
    applyEngagementEvent(base, engagement('SAVE', T0 + DAY_MS, 'p9'));
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe('match features as of the event time', () => {
  it('join the listing as it was then, not as it is now', () => {
    const table = new PropertyTable();
    table.apply(listing());
    table.apply(listing({ event_id: 'p-e2', event_type: 'PRICE_CHANGED', occurred_at: T0 + 5 * DAY_MS, list_price: 450_000 }));
    const lead = applyLeadEvent(undefined, leadEvent(1, { lead_id: 'lead-1', occurred_at: T0, budget_min: 450_000, budget_max: 550_000 }));
    const areas = (area: string): { lat: number; lon: number } | undefined => (area === 'Riverside' ? { lat: 40.75, lon: -73.98 } : undefined);
    const before = matchFeatures(lead, table.asOf('p1', T0 + DAY_MS)!, T0 + DAY_MS, areas);
    const after = matchFeatures(lead, table.asOf('p1', T0 + 6 * DAY_MS)!, T0 + 6 * DAY_MS, areas);
    if (!before.ok || !after.ok) throw new Error('rejected');
    expect(named(before.row, MATCH_FEATURES, 'price_to_budget')).toBeCloseTo(1, 6);
    expect(named(before.row, MATCH_FEATURES, 'price_cut')).toBe(0);
    expect(named(after.row, MATCH_FEATURES, 'price_to_budget')).toBeCloseTo(0.9, 6);
    expect(named(after.row, MATCH_FEATURES, 'price_cut')).toBe(1);
    expect(table.asOf('p1', T0 - 11 * DAY_MS)).toBeUndefined();
  });
});

describe('typed rejections, never exceptions', () => {
  const spec = LEAD_FEATURES.slice(0, 2);

  it.each([
    ['NaN', [Number.NaN, 0], 'not_finite'],
    ['Infinity', [Number.POSITIVE_INFINITY, 0], 'not_finite'],
    ['out of range', [0, 13], 'out_of_range'],
    ['missing', [0], 'missing'],
  ] as const)('toRow rejects %s with kind and feature name', (_label, values, kind) => {
    const r = toRow(spec, values);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe(kind);
    expect(r.field).toBe(kind === 'missing' || kind === 'out_of_range' ? 'log_listing_views_1d' : 'log_page_views_7d');
    expect(r.message).toContain(r.field);
  });

  it('validates decoded events: NaN, Infinity, out-of-range and missing fields', () => {
    expect(validateLeadEvent(leadEvent(1, { budget_max: Number.NaN }))).toMatchObject({ ok: false, kind: 'not_finite', field: 'budget_max' });
    expect(validateLeadEvent(leadEvent(1, { location: { lat: 123, lon: 0 } }))).toMatchObject({ ok: false, kind: 'out_of_range', field: 'location.lat' });
    expect(validateLeadEvent(leadEvent(1, { budget_min: 900_000, budget_max: 100_000 }))).toMatchObject({ kind: 'out_of_range', field: 'budget_min' });
    expect(validateEngagementEvent({ ...engagement('CALL', T0), lead_id: '' })).toMatchObject({ ok: false, kind: 'missing', field: 'lead_id' });
    expect(validatePropertyEvent(listing({ list_price: Number.POSITIVE_INFINITY }))).toMatchObject({ kind: 'not_finite', field: 'list_price' });
    expect(validatePropertyEvent(listing({ list_price: 0 }))).toMatchObject({ kind: 'out_of_range', field: 'list_price' });
    expect(validateLeadEvent(leadEvent(1))).toBeUndefined();
    expect(validatePropertyEvent(listing())).toBeUndefined();
  });

  it('lead features reject a state whose values leave the trained range', () => {
    const s = applyLeadEvent(undefined, leadEvent(1, { lead_id: 'lead-1', occurred_at: T0, min_beds: 12 }));
    expect(leadFeatures(s, T0)).toMatchObject({ ok: false, kind: 'out_of_range', field: 'min_beds' });
  });
});
