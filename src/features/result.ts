/**
 * Feature code never throws for bad data: it returns a rejection that says which field or feature
 * was wrong and why, and the caller turns it into a DLQ record (reason feature_invalid).
 */
export type RejectionKind = 'missing' | 'not_finite' | 'out_of_range' | 'too_long';

export interface FeatureRejection {
  readonly ok: false;
  readonly kind: RejectionKind;
  /** The input field or feature name. */
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

export interface FeatureRow {
  readonly ok: true;
  readonly row: Float32Array;
}

export type FeatureResult = FeatureRow | FeatureRejection;

export function reject(kind: RejectionKind, field: string, value: unknown, detail: string): FeatureRejection {
  return { ok: false, kind, field, value, message: `${field}=${String(value)}: ${detail}` };
}
