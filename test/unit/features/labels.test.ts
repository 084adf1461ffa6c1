import { loadConfig } from '../../../src/config/load';
import { DEFAULT_HORIZONS, churnedLabel, convertedLabel, horizonsOf, touredLabel, type LeadFuture } from '../../../src/features/labels';
import type { EngagementEvent, EngagementType } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';

const DAY = 86_400_000;
const T0 = 1_790_000_000_000;

function engagement(days: number, type: EngagementType = 'LISTING_VIEW', propertyId: string | null = 'p-1'): EngagementEvent {
  return { event_id: `e-${days}-${type}`, lead_id: 'lead-1', engagement_type: type, occurred_at: T0 + days * DAY, channel: 'WEB', property_id: propertyId, duration_seconds: null, session_id: null };
}

const won = (days: number) => leadEvent(1, { event_type: 'STATUS_CHANGED', status: 'CLOSED_WON', occurred_at: T0 + days * DAY });

function future(over: Partial<LeadFuture> = {}): LeadFuture {
  return { at: T0, leadEvents: [], engagements: [], dataEnd: T0 + 365 * DAY, ...over };
}

describe('labels from observed outcomes', () => {
  it('converted: a STATUS_CHANGED to CLOSED_WON within 30 days', () => {
    expect(convertedLabel(future({ leadEvents: [won(29)] }))).toBe(1);
    expect(convertedLabel(future({ leadEvents: [won(31)] }))).toBe(0);
    // Another status, or a won lead's update that is not a status change, is not a conversion.
    expect(convertedLabel(future({ leadEvents: [leadEvent(1, { event_type: 'STATUS_CHANGED', status: 'CLOSED_LOST', occurred_at: T0 + DAY })] }))).toBe(0);
    expect(convertedLabel(future({ leadEvents: [leadEvent(1, { event_type: 'UPDATED', status: 'CLOSED_WON', occurred_at: T0 + DAY })] }))).toBe(0);
  });

  it('churned: no engagement of any kind within 21 days', () => {
    expect(churnedLabel(future())).toBe(1);
    expect(churnedLabel(future({ engagements: [engagement(20, 'EMAIL_OPEN')] }))).toBe(0);
    expect(churnedLabel(future({ engagements: [engagement(22)] }))).toBe(1);
  });

  it('toured: a TOUR_REQUEST for that listing within 14 days', () => {
    expect(touredLabel(future({ engagements: [engagement(3, 'TOUR_REQUEST', 'p-1')] }), 'p-1')).toBe(1);
    expect(touredLabel(future({ engagements: [engagement(3, 'TOUR_REQUEST', 'p-2')] }), 'p-1')).toBe(0);
    expect(touredLabel(future({ engagements: [engagement(3, 'LISTING_VIEW', 'p-1')] }), 'p-1')).toBe(0);
    expect(touredLabel(future({ engagements: [engagement(15, 'TOUR_REQUEST', 'p-1')] }), 'p-1')).toBe(0);
  });

  it('censors a row whose horizon reaches past the end of the data, where a negative would be a guess', () => {
    const end = T0 + 10 * DAY;
    // The conversion on day 20 lies past the data's end: as of the data the lead looks unconverted.
    expect(convertedLabel(future({ dataEnd: end }))).toBeNull();
    // An outcome seen early is censored too: keeping only early positives would inflate the newest rows' rate.
    expect(convertedLabel(future({ dataEnd: end, leadEvents: [won(5)] }))).toBeNull();
    expect(churnedLabel(future({ dataEnd: end }))).toBeNull();
    expect(churnedLabel(future({ dataEnd: end, engagements: [engagement(2)] }))).toBeNull();
    expect(touredLabel(future({ dataEnd: end }), 'p-1')).toBeNull();
    // A horizon that ends exactly at the data's end is observed.
    expect(convertedLabel(future({ dataEnd: T0 + 30 * DAY }))).toBe(0);
  });

  it('takes the horizons as settings', () => {
    expect(horizonsOf(loadConfig({ env: {} }))).toEqual(DEFAULT_HORIZONS);
    const h = horizonsOf(loadConfig({ env: { SCORESTREAM_LABELS_CONVERTED_DAYS: '60', SCORESTREAM_LABELS_CHURNED_DAYS: '7', SCORESTREAM_LABELS_TOURED_DAYS: '30' } }));
    expect(h).toEqual({ convertedDays: 60, churnedDays: 7, touredDays: 30 });
    expect(convertedLabel(future({ leadEvents: [won(45)] }), h)).toBe(1);
    expect(churnedLabel(future({ engagements: [engagement(10)] }), h)).toBe(1);
    expect(touredLabel(future({ engagements: [engagement(20, 'TOUR_REQUEST', 'p-1')] }), 'p-1', h)).toBe(1);
  });
});
