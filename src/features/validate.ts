import type { EngagementEvent, GeoPoint, LeadEvent, PropertyEvent } from '../schemas/types';
import { reject, type FeatureRejection, type FeatureResult } from './result';
import type { FeatureSpec } from './spec';

/**
 * Domain validation of decoded events: Avro guarantees types, not sense. Ranges are generous
 * bounds of the real world, not of the training data; the trained ranges are checked on the
 * feature row itself (`toRow`).
 */
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2100, 0, 1);

/**
 * The longest identifier (event, lead, property, session and agent ids) and the longest area name
 * the processor accepts. Each of them is kept in state, written as a key or a field of every
 * output and the changelog: an unbounded one would let a single record make a transaction larger
 * than the broker accepts, or a lead state that no longer fits a record.
 */
export const MAX_ID_CHARS = 256;
export const MAX_AREA_CHARS = 256;

function bounded(field: string, value: string | null, max: number): FeatureRejection | undefined {
  if (value === null || value.length <= max) return undefined;
  // The message shows a prefix only: the value itself may be most of a megabyte.
  return { ok: false, kind: 'too_long', field, value: value.slice(0, 64), message: `${field} has ${value.length} characters (starts ${JSON.stringify(value.slice(0, 64))}): at most ${max}` };
}

function required(field: string, value: string, max = MAX_ID_CHARS): FeatureRejection | undefined {
  return value.length === 0 ? reject('missing', field, value, 'required and empty') : bounded(field, value, max);
}

function number(field: string, value: number | null, min: number, max: number): FeatureRejection | undefined {
  if (value === null) return undefined;
  if (!Number.isFinite(value)) return reject('not_finite', field, value, 'must be a finite number');
  if (value < min || value > max) return reject('out_of_range', field, value, `must be within [${min}, ${max}]`);
  return undefined;
}

function geo(field: string, value: GeoPoint | null): FeatureRejection | undefined {
  if (value === null) return undefined;
  return number(`${field}.lat`, value.lat, -90, 90) ?? number(`${field}.lon`, value.lon, -180, 180);
}

export function validateLeadEvent(e: LeadEvent): FeatureRejection | undefined {
  return (
    required('event_id', e.event_id) ??
    required('lead_id', e.lead_id) ??
    number('occurred_at', e.occurred_at, MIN_TIME, MAX_TIME) ??
    number('budget_min', e.budget_min, 0, 1e9) ??
    number('budget_max', e.budget_max, 0, 1e9) ??
    (e.budget_min !== null && e.budget_max !== null && e.budget_min > e.budget_max
      ? reject('out_of_range', 'budget_min', e.budget_min, `must not exceed budget_max=${e.budget_max}`)
      : undefined) ??
    number('min_beds', e.min_beds, 0, 10) ??
    number('min_baths', e.min_baths, 0, 10) ??
    bounded('preferred_area', e.preferred_area, MAX_AREA_CHARS) ??
    bounded('agent_id', e.agent_id, MAX_ID_CHARS) ??
    geo('location', e.location)
  );
}

export function validateEngagementEvent(e: EngagementEvent): FeatureRejection | undefined {
  return (
    required('event_id', e.event_id) ??
    required('lead_id', e.lead_id) ??
    number('occurred_at', e.occurred_at, MIN_TIME, MAX_TIME) ??
    number('duration_seconds', e.duration_seconds, 0, 86_400) ??
    (e.property_id !== null ? required('property_id', e.property_id) : undefined) ??
    bounded('session_id', e.session_id, MAX_ID_CHARS)
  );
}

export function validatePropertyEvent(e: PropertyEvent): FeatureRejection | undefined {
  return (
    required('event_id', e.event_id) ??
    required('property_id', e.property_id) ??
    number('occurred_at', e.occurred_at, MIN_TIME, MAX_TIME) ??
    number('list_price', e.list_price, 1, 1e9) ??
    number('beds', e.beds, 0, 50) ??
    number('baths', e.baths, 0, 50) ??
    number('sqft', e.sqft, 1, 1e6) ??
    required('area', e.area, MAX_AREA_CHARS) ??
    geo('location', e.location)
  );
}

/** How far an event's time may be from its record's timestamp, either way. */
export interface TimeBounds {
  /** occurred_at may be at most this far after the record's timestamp (clock skew of producers). */
  readonly maxFutureMs: number;
  /** occurred_at may be at most this far before the record's timestamp (history loaded late). */
  readonly maxPastMs: number;
}

/**
 * An event time inside 2000-2100 can still be absurd for its record: a year after it was produced,
 * or decades before, and it would move the lead's creation time or windows and so every later
 * score. The reference is the record's timestamp, which a replay sees as the live run did, so both
 * reach the same verdict. A record without a timestamp (-1) is not judged.
 */
export function validateEventTime(occurredAt: number, recordTimestamp: number, bounds: TimeBounds): FeatureRejection | undefined {
  if (!(recordTimestamp >= 0)) return undefined;
  if (occurredAt > recordTimestamp + bounds.maxFutureMs) {
    return reject('out_of_range', 'occurred_at', new Date(occurredAt).toISOString(), `more than ${bounds.maxFutureMs} ms after the record's timestamp ${new Date(recordTimestamp).toISOString()} (validation.maxFutureMs)`);
  }
  if (occurredAt < recordTimestamp - bounds.maxPastMs) {
    return reject('out_of_range', 'occurred_at', new Date(occurredAt).toISOString(), `more than ${bounds.maxPastMs} ms before the record's timestamp ${new Date(recordTimestamp).toISOString()} (validation.maxPastMs)`);
  }
  return undefined;
}

/**
 * Why these values cannot be the model's row, if they cannot: a value that is missing, not finite
 * or outside the range the model was trained on.
 */
export function checkRow(spec: readonly FeatureSpec[], values: readonly number[]): FeatureRejection | undefined {
  for (let i = 0; i < spec.length; i++) {
    const f = spec[i] as FeatureSpec;
    const v = values[i];
    if (v === undefined) return reject('missing', f.name, v, 'no value computed');
    if (!Number.isFinite(v)) return reject('not_finite', f.name, v, 'feature must be finite');
    if (v < f.min || v > f.max) return reject('out_of_range', f.name, v, `outside the trained range [${f.min}, ${f.max}]`);
  }
  return undefined;
}

/** Packs computed values into the model's Float32 row, in the spec's order, or says why they cannot be one (checkRow). */
export function toRow(spec: readonly FeatureSpec[], values: readonly number[]): FeatureResult {
  const invalid = checkRow(spec, values);
  if (invalid) return invalid;
  const row = new Float32Array(spec.length);
  for (let i = 0; i < spec.length; i++) row[i] = values[i] as number;
  return { ok: true, row };
}
