import { candidates, MAX_CANDIDATES } from '../../../src/features/candidates';
import { budgetMid } from '../../../src/features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../../src/features/lead-state';
import { PropertyTable } from '../../../src/features/property-table';
import { DAY_MS } from '../../../src/features/time';
import type { PropertyEvent } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { leadEvent } from '../../helpers/lead-events';
import { T0, listing } from '../../helpers/listings';


describe('removing a listing (a tombstone)', () => {
  it('closes its version at the removal time; a later listing event lists it again, as a new listing', () => {
    const table = new PropertyTable();
    table.apply(listing('p', 'Riverside', 400_000));
    table.apply(listing('p', 'Riverside', 390_000, { event_type: 'PRICE_CHANGED', occurred_at: T0 - 10 * DAY_MS }));
    expect(table.remove('p', T0)).toBe(true);
    table.apply(listing('p', 'Riverside', 450_000, { occurred_at: T0 + 5 * DAY_MS }));

    expect(table.asOf('p', T0 - 1)?.list_price).toBe(390_000);
    expect(table.asOf('p', T0)).toBeUndefined();
    expect(table.asOf('p', T0 + 5 * DAY_MS - 1)).toBeUndefined();
    const relisted = table.asOf('p', T0 + 6 * DAY_MS);
    // A compacted topic drops what came before a tombstone: a reader starting later sees only the
    // new listing, so days on market and the price cut count from it here too.
    expect([relisted?.list_price, relisted?.listed_at, relisted?.original_price]).toEqual([450_000, T0 + 5 * DAY_MS, 450_000]);
    expect(table.area('Riverside').byId.filter((a) => a.version.valid_from <= T0 - 1 && T0 - 1 < a.validTo)).toHaveLength(1);
    expect(table.area('Riverside').byId.filter((a) => a.version.valid_from <= T0 && T0 < a.validTo)).toHaveLength(0);
  });

  it('is ignored for a listing the table never had', () => {
    const table = new PropertyTable();
    expect(table.remove('nobody', T0)).toBe(false);
    expect(table.asOf('nobody', T0)).toBeUndefined();
    expect([...table.ids()]).toEqual([]);
  });

  it('gives the same table whatever the order the events and the removal arrive in', () => {
    const events = [listing('p', 'Riverside', 400_000), listing('p', 'Riverside', 380_000, { occurred_at: T0 + 9 * DAY_MS })];
    const run = (order: readonly number[]): (number | undefined)[] => {
      const table = new PropertyTable();
      const steps = [() => table.apply(events[0] as PropertyEvent), () => table.remove('p', T0), () => table.apply(events[1] as PropertyEvent)];
      for (const i of order) (steps[i] as () => void)();
      return [-DAY_MS, 0, 5 * DAY_MS, 9 * DAY_MS, 20 * DAY_MS].map((d) => table.asOf('p', T0 + d)?.list_price);
    };
    // The removal needs the listing known first (an unknown one is ignored): it comes after event 0.
    for (const order of [[0, 1, 2], [0, 2, 1], [2, 0, 1]]) expect(run(order)).toEqual([400_000, undefined, undefined, 380_000, 380_000]);
  });

  it('takes a removed listing out of the candidates, viewed or in the area, from the removal time on', () => {
    const table = new PropertyTable();
    table.apply(listing('p-stays', 'Riverside', 410_000));
    table.apply(listing('p-removed', 'Riverside', 400_000));
    table.apply(listing('p-viewed', 'Old Town', 1_500_000));
    table.remove('p-removed', T0 + 2 * DAY_MS);
    table.remove('p-viewed', T0 + 2 * DAY_MS);
    const lead = applyEngagementEvent(
      applyLeadEvent(undefined, leadEvent(1, { lead_id: 'l', occurred_at: T0 - DAY_MS, preferred_area: 'Riverside', budget_min: 380_000, budget_max: 420_000 })),
      { event_id: 'v', lead_id: 'l', engagement_type: 'LISTING_VIEW', occurred_at: T0, channel: 'WEB', property_id: 'p-viewed', duration_seconds: 10, session_id: null },
    );
    expect(candidates(lead, table, T0 + DAY_MS).map((v) => v.property_id)).toEqual(['p-viewed', 'p-removed', 'p-stays']);
    expect(candidates(lead, table, T0 + 2 * DAY_MS).map((v) => v.property_id)).toEqual(['p-stays']);
  });
});

/** A listing's history as plainly as it can be kept: every event and removal, in arrival order. */
class ReferenceTable {
  private readonly log = new Map<string, { at: number; seq: number; event: PropertyEvent | null }[]>();
  private seq = 0;

  apply(e: PropertyEvent): void {
    this.log.set(e.property_id, [...(this.log.get(e.property_id) ?? []), { at: e.occurred_at, seq: this.seq++, event: e }]);
  }

  remove(id: string, at: number): boolean {
    const entries = this.log.get(id);
    if (!entries) return false;
    entries.push({ at, seq: this.seq++, event: null });
    return true;
  }

  /** The latest thing that happened to the listing at or before `t`; of two at the same time, the one that arrived last. */
  asOf(id: string, t: number): PropertyEvent | undefined {
    let latest: { at: number; seq: number; event: PropertyEvent | null } | undefined;
    for (const x of this.log.get(id) ?? []) if (x.at <= t && (!latest || x.at > latest.at || (x.at === latest.at && x.seq > latest.seq))) latest = x;
    return latest?.event ?? undefined;
  }

  ids(): string[] {
    return [...this.log.keys()];
  }
}

/** The straightforward definition of candidates, over the reference table. */
function reference(state: LeadState, table: ReferenceTable, t: number, max = MAX_CANDIDATES): string[] {
  const seen = new Set([...Object.keys(state.viewed), ...Object.keys(state.saved)]);
  const ids = new Set([...seen, ...table.ids()]);
  const mid = budgetMid(state);
  const fit = (v: PropertyEvent): number => (mid === null || mid <= 0 ? 0 : Math.abs(Math.log(v.list_price / mid)));
  const live: PropertyEvent[] = [];
  for (const id of ids) {
    const v = table.asOf(id, t);
    if (v !== undefined && v.listing_status === 'ACTIVE' && (seen.has(id) || v.area === state.preferred_area)) live.push(v);
  }
  live.sort((a, b) => Number(seen.has(b.property_id)) - Number(seen.has(a.property_id)) || fit(a) - fit(b) || (a.property_id < b.property_id ? -1 : 1));
  return live.slice(0, max).map((v) => v.property_id);
}

describe('candidates over a generated history with listings removed and listed again', () => {
  it('are exactly those of the straightforward definition, for every event of every lead', () => {
    const h = generateHistory({ leads: 600, seed: 5 });
    type Op = { kind: 'event'; e: PropertyEvent } | { kind: 'remove'; id: string; at: number };
    const ops: Op[] = h.propertyEvents.map((e) => ({ kind: 'event', e }));
    const first = new Map<string, PropertyEvent>();
    for (const e of h.propertyEvents) if (!first.has(e.property_id)) first.set(e.property_id, e);
    [...first.values()].forEach((e, i) => {
      if (i % 3 !== 0) return;
      const at = e.occurred_at + ((i * 7) % 90) * DAY_MS + 1;
      ops.push({ kind: 'remove', id: e.property_id, at });
      // Some come back, at another price; some are removed at the very time of a version.
      if (i % 6 === 0) ops.push({ kind: 'event', e: { ...e, event_id: `${e.event_id}-again`, occurred_at: at + 5 * DAY_MS, list_price: Math.round(e.list_price * 0.9) } });
      if (i % 9 === 0) ops.push({ kind: 'remove', id: e.property_id, at: e.occurred_at });
    });
    ops.push({ kind: 'remove', id: 'never-listed', at: h.propertyEvents[0]?.occurred_at ?? 0 });
    // Mixed so that removals come before and after the versions they close.
    const mixed = ops.map((op, i) => ({ op, k: (i * 7919) % ops.length })).sort((a, b) => a.k - b.k).map((x) => x.op);

    const table = new PropertyTable();
    const ref = new ReferenceTable();
    let removed = 0;
    const apply = (op: Op): void => {
      if (op.kind === 'event') {
        table.apply(op.e);
        ref.apply(op.e);
      } else {
        const known = ref.remove(op.id, op.at);
        expect(table.remove(op.id, op.at)).toBe(known);
        if (known) removed++;
      }
    };
    const half = Math.floor(mixed.length / 2);
    mixed.slice(0, half).forEach(apply);
    const events = [...h.leadEvents, ...h.engagementEvents].sort((a, b) => a.occurred_at - b.occurred_at);
    const states = new Map<string, LeadState>();
    let compared = 0;
    events.forEach((e, i) => {
      if (i === Math.floor(events.length / 2)) mixed.slice(half).reverse().forEach(apply);
      const next = 'engagement_type' in e ? applyEngagementEvent(states.get(e.lead_id), e) : applyLeadEvent(states.get(e.lead_id), e);
      states.set(e.lead_id, next);
      expect(candidates(next, table, e.occurred_at).map((v) => v.property_id)).toEqual(reference(next, ref, e.occurred_at));
      if (i % 97 === 0) for (const id of ref.ids()) expect([id, table.asOf(id, e.occurred_at)?.list_price]).toEqual([id, ref.asOf(id, e.occurred_at)?.list_price]);
      compared++;
    });
    expect(compared).toBeGreaterThan(10_000);
    expect(removed).toBeGreaterThan(40);
  });
});
