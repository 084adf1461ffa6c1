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

function required(field: string, value: string): FeatureRejection | undefined {
  return value.length === 0 ? reject('missing', field, value, 'required and empty') : undefined;
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
    geo('location', e.location)
  );
}

export function validateEngagementEvent(e: EngagementEvent): FeatureRejection | undefined {
  return (
    required('event_id', e.event_id) ??
    required('lead_id', e.lead_id) ??
    number('occurred_at', e.occurred_at, MIN_TIME, MAX_TIME) ??
    number('duration_seconds', e.duration_seconds, 0, 86_400) ??
    (e.property_id !== null ? required('property_id', e.property_id) : undefined)
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
    required('area', e.area) ??
    geo('location', e.location)
  );
}

/**
 * Packs computed values into the model's Float32 row, in the spec's order, rejecting any value
 * that is not finite or lies outside the range the model was trained on.
 */
export function toRow(spec: readonly FeatureSpec[], values: readonly number[]): FeatureResult {
  const row = new Float32Array(spec.length);
  for (let i = 0; i < spec.length; i++) {
    const f = spec[i] as FeatureSpec;
    const v = values[i];
    if (v === undefined) return reject('missing', f.name, v, 'no value computed');
    if (!Number.isFinite(v)) return reject('not_finite', f.name, v, 'feature must be finite');
    if (v < f.min || v > f.max) return reject('out_of_range', f.name, v, `outside the trained range [${f.min}, ${f.max}]`);
    row[i] = v;
  }
  return { ok: true, row };
}
