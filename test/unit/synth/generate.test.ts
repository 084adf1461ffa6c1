import { createHash } from 'node:crypto';
import avro from 'avsc';
import { validateEngagementEvent, validateLeadEvent, validatePropertyEvent } from '../../../src/features/validate';
import { readSchema } from '../../../src/schemas/files';
import { generateHistory } from '../../../src/synth/generate';

const digest = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex');

describe('generateHistory', () => {
  const history = generateHistory({ leads: 300, seed: 7 });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(digest(generateHistory({ leads: 300, seed: 7 }))).toBe(digest(history));
    expect(digest(generateHistory({ leads: 300, seed: 8 }))).not.toBe(digest(history));
  });

  it('writes events that the Avro schemas and the domain validation accept', () => {
    const types = {
      lead: avro.Type.forSchema(JSON.parse(readSchema('LeadEvent')) as avro.Schema),
      engagement: avro.Type.forSchema(JSON.parse(readSchema('EngagementEvent')) as avro.Schema),
      property: avro.Type.forSchema(JSON.parse(readSchema('PropertyEvent')) as avro.Schema),
    };
    for (const e of history.leadEvents) expect([types.lead.isValid(e), validateLeadEvent(e)]).toEqual([true, undefined]);
    for (const e of history.engagementEvents) expect([types.engagement.isValid(e), validateEngagementEvent(e)]).toEqual([true, undefined]);
    for (const e of history.propertyEvents) expect([types.property.isValid(e), validatePropertyEvent(e)]).toEqual([true, undefined]);
  });

  it('keeps each file in time order and every event id unique', () => {
    for (const list of [history.leadEvents, history.engagementEvents, history.propertyEvents]) {
      for (let i = 1; i < list.length; i++) expect(list[i]!.occurred_at).toBeGreaterThanOrEqual(list[i - 1]!.occurred_at);
    }
    const ids = [...history.leadEvents, ...history.engagementEvents, ...history.propertyEvents].map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws outcomes from probabilities that depend on behaviour: keen leads convert more', () => {
    const byIntent = [...history.outcomes].sort((a, b) => a.intent - b.intent);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const low = mean(byIntent.slice(0, 100).map((o) => o.p_convert));
    const high = mean(byIntent.slice(-100).map((o) => o.p_convert));
    expect(high).toBeGreaterThan(low + 0.1);
    for (const o of history.outcomes) {
      expect(o.p_convert).toBeGreaterThan(0);
      expect(o.p_convert).toBeLessThan(1);
      expect(o.candidates.length).toBeGreaterThan(0);
    }
  });
});
