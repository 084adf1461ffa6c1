import { createHash } from 'node:crypto';
import { churnedLabel, convertedLabel, touredLabel, type LeadFuture } from '../../../src/features/labels';
import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { generateHistory, type History } from '../../../src/synth/generate';

const digest = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex');
const MINUTE = 60_000;

/**
 * The digest of { propertyEvents, leadEvents, engagementEvents, outcomes } of
 * generateHistory({ leads: 400, seed: 11 }) as the generator made it before it wrote outcome
 * events. The shipped models were trained on that history: what happens up to each scoring point,
 * and the drawn outcomes, must not move when the world acts the outcomes out.
 */
const BEFORE_OUTCOME_EVENTS = '964a4635b46fb0209f86488819ff43ebd28f214f305c54c039b46e501050b1cb';

function byLead<T extends { lead_id: string }>(events: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const e of events) {
    const list = m.get(e.lead_id);
    if (list) list.push(e);
    else m.set(e.lead_id, [e]);
  }
  return m;
}

/** The history as it is up to each lead's scoring point: the outcome events taken out by time. */
function upToScoringPoints(h: History): unknown {
  const asOf = new Map(h.outcomes.map((o) => [o.lead_id, o.as_of]));
  const before = (e: { lead_id: string; occurred_at: number }): boolean => e.occurred_at <= (asOf.get(e.lead_id) as number);
  return { propertyEvents: h.propertyEvents, leadEvents: h.leadEvents.filter(before), engagementEvents: h.engagementEvents.filter(before), outcomes: h.outcomes };
}

describe('the synthetic world acts out its outcomes after each scoring point', () => {
  const history = generateHistory({ leads: 400, seed: 11 });
  const leadsOf = byLead(history.leadEvents);
  const engagementsOf = byLead(history.engagementEvents);
  const after = (lead: string, at: number): { leadEvents: LeadEvent[]; engagements: EngagementEvent[] } => ({
    leadEvents: (leadsOf.get(lead) ?? []).filter((e) => e.occurred_at > at),
    engagements: (engagementsOf.get(lead) ?? []).filter((e) => e.occurred_at > at),
  });

  it('gives one scoring point a lead, in the shape the training export reads', () => {
    expect(history.scoringPoints).toHaveLength(history.outcomes.length);
    history.scoringPoints.forEach((sp, i) => {
      const o = history.outcomes[i]!;
      expect(Object.keys(sp).sort()).toEqual(['churned', 'converted', 'event_id', 'lead_id', 'occurred_at', 'p_churn', 'p_convert', 'pairs']);
      expect(sp).toMatchObject({ lead_id: o.lead_id, event_id: o.as_of_event_id, occurred_at: o.as_of, converted: o.converted, churned: o.churned, p_convert: o.p_convert, p_churn: o.p_churn });
      expect(sp.pairs.map((p) => Object.keys(p).sort())).toEqual(o.candidates.map(() => ['p_tour', 'property_id', 'toured']));
      // A churned lead makes no engagement, so it tours nothing; the draws are independent.
      expect(sp.pairs).toEqual(o.candidates.map((c) => ({ property_id: c.property_id, toured: c.toured && !o.churned, p_tour: c.p_tour * (1 - o.p_churn) })));
    });
  });

  it('writes events after each scoring point whose labels are the world outcomes', () => {
    let converted = 0;
    let churned = 0;
    let toured = 0;
    for (const sp of history.scoringPoints) {
      const future: LeadFuture = { at: sp.occurred_at, ...after(sp.lead_id, sp.occurred_at), dataEnd: Number.POSITIVE_INFINITY };
      expect([sp.lead_id, convertedLabel(future)]).toEqual([sp.lead_id, sp.converted ? 1 : 0]);
      expect([sp.lead_id, churnedLabel(future)]).toEqual([sp.lead_id, sp.churned ? 1 : 0]);
      for (const p of sp.pairs) expect([sp.lead_id, p.property_id, touredLabel(future, p.property_id)]).toEqual([sp.lead_id, p.property_id, p.toured ? 1 : 0]);
      converted += sp.converted ? 1 : 0;
      churned += sp.churned ? 1 : 0;
      toured += sp.pairs.filter((p) => p.toured).length;
    }
    // The check means something only if every label takes both values.
    expect(Math.min(converted, churned, toured)).toBeGreaterThan(0);
    expect(Math.max(converted, churned)).toBeLessThan(history.scoringPoints.length);
  });

  it('writes only those events, all at least a minute after the scoring point and inside the horizons', () => {
    const DAY = 86_400_000;
    for (const sp of history.scoringPoints) {
      const { leadEvents, engagements } = after(sp.lead_id, sp.occurred_at);
      expect(leadEvents.map((e) => [e.event_type, e.status])).toEqual(sp.converted ? [['STATUS_CHANGED', 'CLOSED_WON']] : []);
      for (const e of leadEvents) expect(e.occurred_at - sp.occurred_at).toBeLessThan(30 * DAY);
      const tours = engagements.filter((e) => e.engagement_type === 'TOUR_REQUEST');
      expect(tours.map((e) => e.property_id).sort()).toEqual(sp.pairs.filter((p) => p.toured).map((p) => p.property_id).sort());
      for (const e of tours) expect(e.occurred_at - sp.occurred_at).toBeLessThan(14 * DAY);
      const others = engagements.filter((e) => e.engagement_type !== 'TOUR_REQUEST');
      // A lead that stays engaged but tours nothing shows it with one other engagement; a churned lead is silent.
      expect(others).toHaveLength(!sp.churned && tours.length === 0 ? 1 : 0);
      for (const e of others) expect(e.occurred_at - sp.occurred_at).toBeLessThan(21 * DAY);
      for (const e of [...leadEvents, ...engagements]) expect(e.occurred_at - sp.occurred_at).toBeGreaterThanOrEqual(MINUTE);
    }
  });

  it('keeps the events up to each scoring point and the drawn outcomes as they were', () => {
    expect(digest(upToScoringPoints(history))).toBe(BEFORE_OUTCOME_EVENTS);
  });

  it('is deterministic for a seed', () => {
    expect(digest(generateHistory({ leads: 400, seed: 11 }))).toBe(digest(history));
  });
});
