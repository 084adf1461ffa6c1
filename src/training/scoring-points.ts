import fs from 'node:fs';
import { ScorestreamError } from '../errors';

/**
 * A file of scoring points (`features export --at FILE`): which events become training rows,
 * instead of a sample of all of them. One JSON object per line:
 *   {"lead_id": "...", "event_id": "...", "p_convert"?: p, "p_churn"?: p,
 *    "pairs"?: [{"property_id": "...", "p_tour"?: p}]}
 * `pairs` names the listings property_matcher rows pair the lead with at that event (default: the
 * candidates serving scores). The probabilities are for a world whose truth is known (the
 * generator's outcomes.jsonl has this shape): they are written beside the rows (p_true.npy), so
 * training can report how close a model comes to the best possible AUC. Other fields are ignored.
 */
export interface ScoringPoint {
  readonly leadId: string;
  readonly pConvert: number | undefined;
  readonly pChurn: number | undefined;
  readonly pairs: readonly { readonly propertyId: string; readonly pTour: number | undefined }[] | undefined;
}

const invalid = (file: string, line: number, what: string): ScorestreamError => new ScorestreamError('USAGE_INVALID', `features export: --at ${file} line ${line}: ${what}`);

function probability(v: unknown, file: string, line: number, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw invalid(file, line, `${field} must be a probability, not ${JSON.stringify(v)}`);
  return v;
}

function text(v: unknown, file: string, line: number, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(file, line, `${field} must be a non-empty string`);
  return v;
}

/** Scoring points by event id. */
export function readScoringPoints(file: string): Map<string, ScoringPoint> {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScorestreamError('USAGE_INVALID', `features export: --at ${file}: ${(err as Error).message}`, { cause: err });
  }
  const points = new Map<string, ScoringPoint>();
  content.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw invalid(file, line, 'not a JSON object');
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalid(file, line, 'not a JSON object');
    const eventId = text(o.event_id, file, line, 'event_id');
    if (points.has(eventId)) throw invalid(file, line, `event ${eventId} is listed twice`);
    let pairs: ScoringPoint['pairs'];
    if (o.pairs !== undefined) {
      if (!Array.isArray(o.pairs)) throw invalid(file, line, 'pairs must be an array');
      pairs = o.pairs.map((p: unknown, j) => {
        const pair = (p ?? {}) as Record<string, unknown>;
        return { propertyId: text(pair.property_id, file, line, `pairs[${j}].property_id`), pTour: probability(pair.p_tour, file, line, `pairs[${j}].p_tour`) };
      });
    }
    points.set(eventId, { leadId: text(o.lead_id, file, line, 'lead_id'), pConvert: probability(o.p_convert, file, line, 'p_convert'), pChurn: probability(o.p_churn, file, line, 'p_churn'), pairs });
  });
  return points;
}
