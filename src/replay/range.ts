import type { Admin } from 'kafkajs';
import { ScorestreamError } from '../errors';

/** A position in a topic: a time, the start, the end as it is now, or an offset per partition. */
export type Bound =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'time'; readonly ms: number; readonly text: string }
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, bigint> };

const invalid = (message: string): ScorestreamError => new ScorestreamError('REPLAY_INVALID', message);

/** `earliest`, `latest`, an ISO time (2026-11-24T10:00:00Z) or `partition:offset,...`. */
export function parseBound(flag: string, text: string): Bound {
  if (text === 'earliest') return { kind: 'earliest' };
  if (text === 'latest') return { kind: 'latest' };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(text)) {
    const offsets = new Map<number, bigint>();
    for (const pair of text.split(',')) {
      const [p, o] = pair.split(':') as [string, string];
      if (offsets.has(Number(p))) throw invalid(`${flag} ${text}: partition ${p} given twice`);
      offsets.set(Number(p), BigInt(o));
    }
    return { kind: 'offsets', offsets };
  }
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(ms)) return { kind: 'time', ms, text };
  throw invalid(`${flag} ${text}: expected earliest, latest, an ISO time like 2026-11-24T10:00:00Z, or partition:offset,... like 0:120,1:98`);
}

/**
 * Offsets of `bound` in every partition of `topic`, clamped to what the partition holds now. A
 * time resolves to the first record stamped at or after it (the end when there is none); a
 * partition missing from an offsets list takes `missing` (its start for --from, its end for --to).
 */
export async function resolveBound(admin: Admin, topic: string, bound: Bound, missing: 'low' | 'high'): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const range = new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  const byTime = bound.kind === 'time' ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, bound.ms)).map((o) => [o.partition, BigInt(o.offset)])) : undefined;
  if (bound.kind === 'offsets') {
    for (const p of bound.offsets.keys()) if (!range.has(p)) throw invalid(`${topic} has no partition ${p} (it has ${range.size})`);
  }
  const out = new Map<number, bigint>();
  for (const [p, { low, high }] of range) {
    let at: bigint;
    if (bound.kind === 'earliest') at = low;
    else if (bound.kind === 'latest') at = high;
    else if (bound.kind === 'time') at = (byTime?.get(p) ?? -1n) < 0n ? high : (byTime?.get(p) as bigint);
    else at = bound.offsets.get(p) ?? (missing === 'low' ? low : high);
    out.set(p, at < low ? low : at > high ? high : at);
  }
  return out;
}
