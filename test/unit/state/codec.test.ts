import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../../src/features/lead-state';
import { NO_SEEN_EVENTS } from '../../../src/features/seen-events';
import { checkStateFormat, decodeState, encodeState } from '../../../src/state/codec';
import { generateHistory } from '../../../src/synth/generate';

/** Every state a seeded history passes through, in event-time order. */
function statesOf(leads: number): LeadState[] {
  const h = generateHistory({ leads, seed: 3 });
  const events = [...h.leadEvents, ...h.engagementEvents].sort((a, b) => a.occurred_at - b.occurred_at);
  const current = new Map<string, LeadState>();
  const all: LeadState[] = [];
  for (const e of events) {
    const next = 'engagement_type' in e ? applyEngagementEvent(current.get(e.lead_id), e) : applyLeadEvent(current.get(e.lead_id), e);
    current.set(e.lead_id, next);
    all.push(next);
  }
  return all;
}

describe('lead state codec', () => {
  const states = statesOf(300);

  it('gives back every state of a history exactly, in the compact format', () => {
    expect(states.length).toBeGreaterThan(3000);
    for (const s of states) {
      const bytes = encodeState(s);
      expect(bytes[0]).toBe(3);
      expect(decodeState(bytes)).toEqual(s);
    }
  });

  it('is at most half the bytes of the JSON format it replaces', () => {
    const avro = states.reduce((n, s) => n + encodeState(s).length, 0);
    const json = states.reduce((n, { seen, ...s }) => n + 1 + Buffer.byteLength(JSON.stringify({ ...s, seen: seen.toString('base64') })), 0);
    expect(avro / json).toBeLessThan(0.5);
  });

  it('still reads states written as JSON (format 1) by an earlier version', () => {
    const s = states[states.length - 1] as LeadState;
    const { seen: _seen, ...earlier } = s;
    const v1 = Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(earlier))]);
    // Earlier versions kept no seen event ids: the window starts empty.
    expect(decodeState(v1)).toEqual({ ...s, seen: NO_SEEN_EVENTS });
    expect(() => checkStateFormat(v1)).not.toThrow();
  });

  it('refuses a format it does not know, saying which', () => {
    const bytes = Buffer.from([9, 1, 2, 3]);
    expect(() => checkStateFormat(bytes)).toThrow('unknown lead state format 9');
    expect(() => decodeState(bytes)).toThrow('unknown lead state format 9');
  });

  it('keeps listings whose ids name JavaScript object members, viewed and saved, through a round trip', () => {
    const t0 = Date.UTC(2026, 0, 1);
    let s: LeadState | undefined;
    const ids = ['toString', 'constructor', 'valueOf', 'hasOwnProperty', 'toString'];
    ids.forEach((property_id, i) => {
      for (const engagement_type of ['LISTING_VIEW', 'SAVE'] as const) {
        s = applyEngagementEvent(s, { event_id: `${engagement_type}-${i}`, lead_id: 'l', engagement_type, occurred_at: t0 + i * 1000, channel: 'WEB', property_id, duration_seconds: 1, session_id: null });
      }
    });
    const state = s as LeadState;
    const expected = { toString: t0 + 4000, constructor: t0 + 1000, valueOf: t0 + 2000, hasOwnProperty: t0 + 3000 };
    expect({ ...state.viewed }).toEqual(expected);
    expect({ ...state.saved }).toEqual(expected);
    expect(decodeState(encodeState(state))).toEqual(state);
  });
});
