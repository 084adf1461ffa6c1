import type { ModelName } from '../features/spec';
import { HEADERS } from '../publish/headers';
import type { ChurnRisk, LeadScore, PropertyMatches } from '../schemas/types';
import type { TailTarget } from './target';

/** One record as `tail` read it: decoded through the registry where it could be. */
export interface TailRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded value; undefined when it could not be decoded (decodeError says why) or is null. */
  readonly value?: unknown;
  readonly raw: Buffer | null;
  readonly decodeError?: string;
}

const p3 = (x: number): string => x.toFixed(3);
const cut = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** Which model scored it and how: "lead_scorer 1.1.0", with the fallback that answered if one did. */
function scoredBy(r: TailRecord, value: { model_name: string; model_version: string; fallback: string | null }): string {
  const fallback = value.fallback ?? r.headers[HEADERS.fallback];
  return `${value.model_name} ${value.model_version}${fallback ? ` fallback=${fallback}` : ''}`;
}

function source(r: TailRecord): string {
  const topic = r.headers[HEADERS.sourceTopic];
  return topic === undefined ? '' : `  <- ${topic}/${r.headers[HEADERS.sourcePartition] ?? '?'}@${r.headers[HEADERS.sourceOffset] ?? '?'}`;
}

function outputLine(model: ModelName, r: TailRecord): string {
  switch (model) {
    case 'lead_scorer': {
      const v = r.value as LeadScore;
      const reasons = v.top_reasons.map((x) => `${x.direction === 'RAISES' ? '+' : '-'}${x.feature}`).join(' ');
      return `${v.lead_id}  ${p3(v.conversion_probability)} ${v.score_band.padEnd(4)}  ${reasons || '(no reasons)'}  ${scoredBy(r, v)}${source(r)}`;
    }
    case 'property_matcher': {
      const v = r.value as PropertyMatches;
      const top = v.matches.slice(0, 3).map((m) => `${m.property_id} ${p3(m.score)}`).join(', ');
      return `${v.lead_id}  ${top || 'no match'} (of ${v.candidates_considered})  ${scoredBy(r, v)}${source(r)}`;
    }
    case 'churn_predictor': {
      const v = r.value as ChurnRisk;
      return `${v.lead_id}  churn ${p3(v.churn_probability)} ${v.risk_band.padEnd(4)}  ${v.days_since_last_engagement} d since engagement  ${scoredBy(r, v)}${source(r)}`;
    }
  }
}

/** A JSON rendering of any decoded value: bigints as strings, bytes as base64. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('base64') : v));
}

/** The compact line of one record: time, then what matters for its kind of topic. */
export function recordLine(target: TailTarget, r: TailRecord): string {
  const at = new Date(r.timestamp).toISOString();
  if (target.kind === 'dlq') {
    const error = r.headers[HEADERS.dlqError];
    return `${at}  ${r.key ?? '(no key)'}  ${r.headers[HEADERS.dlqReason] ?? 'no reason header'}${source(r)}  ${r.raw === null ? 'null value' : `${r.raw.length} bytes`}${error ? `  ${cut(error, 160)}` : ''}`;
  }
  if (r.raw === null) return `${at}  ${r.key ?? '(no key)'}  (tombstone)  ${r.topic}/${r.partition}@${r.offset}`;
  if (r.value === undefined) return `${at}  ${r.key ?? '(no key)'}  undecodable (${r.decodeError ?? 'unknown'}), ${r.raw.length} bytes  ${r.topic}/${r.partition}@${r.offset}`;
  if (target.kind === 'output' && target.model) return `${at}  ${outputLine(target.model, r)}`;
  return `${at}  ${r.key ?? '(no key)'}  ${cut(jsonText(r.value), 200)}  ${r.topic}/${r.partition}@${r.offset}`;
}

/** The --json form: one object per record, headers included, for jq. */
export function recordJson(r: TailRecord): string {
  return jsonText({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: new Date(r.timestamp).toISOString(),
    key: r.key,
    headers: r.headers,
    value: r.value ?? null,
    ...(r.value === undefined && r.raw !== null ? { value_base64: r.raw.toString('base64'), decode_error: r.decodeError ?? null } : {}),
  });
}
