import { MAX_AREA_CHARS, MAX_ID_CHARS, validateEngagementEvent, validateEventTime, validateLeadEvent } from '../../../src/features/validate';
import { leadEvent } from '../../helpers/lead-events';

describe('string bounds', () => {
  it('refuses ids and areas over their maximum, naming the field and the length only', () => {
    expect(validateLeadEvent(leadEvent(1, { lead_id: 'x'.repeat(MAX_ID_CHARS) }))).toBeUndefined();
    const long = validateLeadEvent(leadEvent(1, { lead_id: 'x'.repeat(600_000) }));
    expect(long).toMatchObject({ kind: 'too_long', field: 'lead_id' });
    expect(long?.message.length).toBeLessThan(200);
    expect(validateLeadEvent(leadEvent(1, { preferred_area: 'a'.repeat(MAX_AREA_CHARS + 1) }))).toMatchObject({ field: 'preferred_area' });
    const engagement = { event_id: 'e', lead_id: 'l', engagement_type: 'PAGE_VIEW' as const, occurred_at: 1_790_000_000_000, channel: 'WEB' as const, property_id: null, duration_seconds: null, session_id: 's'.repeat(MAX_ID_CHARS + 1) };
    expect(validateEngagementEvent(engagement)).toMatchObject({ field: 'session_id' });
  });
});

describe('event time bounds', () => {
  const bounds = { maxFutureMs: 3_600_000, maxPastMs: 3650 * 86_400_000 };
  const t = Date.UTC(2026, 10, 30);

  it('accepts events from maxPastMs before their record to maxFutureMs after it', () => {
    expect(validateEventTime(t + 3_600_000, t, bounds)).toBeUndefined();
    expect(validateEventTime(Date.UTC(2017, 0, 1), t, bounds)).toBeUndefined();
  });

  it('refuses an event too far after or before its record', () => {
    expect(validateEventTime(Date.UTC(2099, 0, 1), t, bounds)?.message).toMatch(/validation.maxFutureMs/);
    expect(validateEventTime(Date.UTC(2001, 0, 1), t, bounds)?.message).toMatch(/validation.maxPastMs/);
  });

  it('does not judge a record without a timestamp', () => {
    expect(validateEventTime(Date.UTC(2099, 0, 1), -1, bounds)).toBeUndefined();
  });
});
