import { leadFeatures } from '../../../src/features/lead-features';
import { applyLeadEvent } from '../../../src/features/lead-state';
import { LEAD_FEATURES } from '../../../src/features/spec';
import { leadEvent } from '../../helpers/lead-events';

/**
 * UNKNOWN is what our reader makes of a LeadStatus symbol added by a newer producer schema. It
 * says nothing about where the lead stands, so the lead keeps the status it had, and its feature
 * row is the one it would have had without the unknown symbol: never a new or out-of-range value.
 */
const lead = 'lead-unknown';
const created = leadEvent(1, { lead_id: lead, event_type: 'CREATED', status: 'NEW' });
const qualified = leadEvent(2, { lead_id: lead, event_type: 'STATUS_CHANGED', status: 'QUALIFIED', occurred_at: created.occurred_at + 1000 });

describe('a lead event whose status reads as UNKNOWN', () => {
  it('keeps the previous status and still applies the rest of the event', () => {
    const before = applyLeadEvent(applyLeadEvent(undefined, created), qualified);
    const unknown = leadEvent(3, { lead_id: lead, event_type: 'UPDATED', status: 'UNKNOWN', occurred_at: qualified.occurred_at + 1000, budget_max: 900_000 });
    const after = applyLeadEvent(before, unknown);
    expect(after.status).toBe('QUALIFIED');
    expect(after.budget_max).toBe(900_000);
    expect(after.last_event_at).toBe(unknown.occurred_at);
  });

  it('gives the feature row of the same event carrying the previous status', () => {
    const before = applyLeadEvent(applyLeadEvent(undefined, created), qualified);
    const at = qualified.occurred_at + 5000;
    const unknown = leadEvent(4, { lead_id: lead, event_type: 'UPDATED', status: 'UNKNOWN', occurred_at: at });
    const row = leadFeatures(applyLeadEvent(before, unknown), at);
    const same = leadFeatures(applyLeadEvent(before, { ...unknown, status: 'QUALIFIED' }), at);
    expect(row.ok && same.ok).toBe(true);
    if (!row.ok || !same.ok) return;
    expect(Array.from(row.row)).toEqual(Array.from(same.row));
    expect(row.row[LEAD_FEATURES.findIndex((f) => f.name === 'status_rank')]).toBe(2);
  });

  it("leaves a new lead's status at NEW when its first event is UNKNOWN", () => {
    const first = applyLeadEvent(undefined, leadEvent(5, { lead_id: 'lead-first-unknown', event_type: 'UPDATED', status: 'UNKNOWN' }));
    expect(first.status).toBe('NEW');
    const row = leadFeatures(first, first.last_event_at);
    expect(row.ok).toBe(true);
  });
});
