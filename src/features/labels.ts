import type { Config } from '../config/schema';
import type { EngagementEvent, LeadEvent } from '../schemas/types';

/**
 * The training labels, defined once, from what happened after a scored event: the same
 * definitions for the user's own history and for the synthetic world. Each looks at the events of
 * the lead that come after the scored event, within a horizon. A row whose horizon reaches past
 * the end of the data is censored: the outcome is not known yet, and calling it negative would
 * teach the model that recent leads never convert. Such a row is censored even when its outcome is
 * already seen (a conversion on day 5 of 30): keeping only the rows whose outcome came early would
 * leave the newest rows, the holdout, with more positives than the world has.
 */
export interface LabelHorizons {
  /** lead_scorer: converted = a STATUS_CHANGED to CLOSED_WON within this many days. */
  readonly convertedDays: number;
  /** churn_predictor: churned = no engagement at all within this many days. */
  readonly churnedDays: number;
  /** property_matcher: toured = a TOUR_REQUEST for the listing within this many days. */
  readonly touredDays: number;
}

export const DEFAULT_HORIZONS: LabelHorizons = { convertedDays: 30, churnedDays: 21, touredDays: 14 };

/** The horizons configured as `labels.*`. */
export function horizonsOf(config: Pick<Config, 'labelConvertedDays' | 'labelChurnedDays' | 'labelTouredDays'>): LabelHorizons {
  return { convertedDays: config.labelConvertedDays, churnedDays: config.labelChurnedDays, touredDays: config.labelTouredDays };
}

const DAY_MS = 86_400_000;

/** 1 or 0, or null when censored (the horizon reaches past `dataEnd` and the outcome is not seen yet). */
export type Label = 0 | 1 | null;

/** What is known after one scored event of a lead: its later events, and where the data ends. */
export interface LeadFuture {
  /** When the scored event occurred (epoch ms). */
  readonly at: number;
  /** The lead's lead events after the scored event, in any order. */
  readonly leadEvents: readonly LeadEvent[];
  /** The lead's engagements after the scored event, in any order. */
  readonly engagements: readonly EngagementEvent[];
  /** The time up to which the data is complete (the export's end, or its last event). */
  readonly dataEnd: number;
}

function within(future: LeadFuture, days: number): (t: number) => boolean {
  const end = future.at + days * DAY_MS;
  return (t) => t >= future.at && t <= end;
}

/** Whether the horizon after the scored event is wholly inside the data. */
function observed(future: LeadFuture, days: number): boolean {
  return future.at + days * DAY_MS <= future.dataEnd;
}

/** lead_scorer: the lead was won within the horizon. */
export function convertedLabel(future: LeadFuture, horizons: LabelHorizons = DEFAULT_HORIZONS): Label {
  if (!observed(future, horizons.convertedDays)) return null;
  const inWindow = within(future, horizons.convertedDays);
  return future.leadEvents.some((e) => e.event_type === 'STATUS_CHANGED' && e.status === 'CLOSED_WON' && inWindow(e.occurred_at)) ? 1 : 0;
}

/** churn_predictor: the lead went silent, no engagement of any kind within the horizon. */
export function churnedLabel(future: LeadFuture, horizons: LabelHorizons = DEFAULT_HORIZONS): Label {
  if (!observed(future, horizons.churnedDays)) return null;
  const inWindow = within(future, horizons.churnedDays);
  return future.engagements.some((e) => inWindow(e.occurred_at)) ? 0 : 1;
}

/** property_matcher: the lead asked to tour `propertyId` within the horizon. */
export function touredLabel(future: LeadFuture, propertyId: string, horizons: LabelHorizons = DEFAULT_HORIZONS): Label {
  if (!observed(future, horizons.touredDays)) return null;
  const inWindow = within(future, horizons.touredDays);
  return future.engagements.some((e) => e.engagement_type === 'TOUR_REQUEST' && e.property_id === propertyId && inWindow(e.occurred_at)) ? 1 : 0;
}
