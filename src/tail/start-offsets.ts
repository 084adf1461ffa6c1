import { ScorestreamError } from '../errors';

/** Where `tail` starts: --from's value, or (none given) the last records up to now. */
export type From = { readonly kind: 'earliest' } | { readonly kind: 'latest' } | { readonly kind: 'offset'; readonly offset: bigint } | { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'last'; readonly count: number };

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses --from: earliest, latest, an offset, an ISO 8601 time, or a duration ago (15m, 2h, 1d). */
export function parseFrom(raw: string, now: number = Date.now()): From {
  if (raw === 'earliest' || raw === 'beginning') return { kind: 'earliest' };
  if (raw === 'latest' || raw === 'end') return { kind: 'latest' };
  if (/^\d+$/.test(raw)) return { kind: 'offset', offset: BigInt(raw) };
  const ago = DURATION.exec(raw);
  if (ago) return { kind: 'time', ms: now - Number(ago[1]) * (UNIT_MS[ago[2] as string] as number) };
  // A date alone, or a date and time with a zone: Date.parse reads a time without a zone as local time.
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(raw)) {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return { kind: 'time', ms };
  }
  throw new ScorestreamError('USAGE_INVALID', `tail: --from=${raw} must be earliest, latest, an offset, a time such as 2026-12-01T09:30:00Z, or a duration ago such as 15m, 2h or 1d`);
}

export interface PartitionRange {
  readonly low: bigint;
  readonly high: bigint;
  /** The offset of the first record of this time or later (high when none), for --from TIME. */
  readonly atTime?: bigint;
}

/**
 * The offset to start each partition at. For the last N records the window reaches back 4N + 16
 * offsets: transaction markers and aborted records take offsets too, and this covers a partition
 * where each transaction wrote a single record and some were aborted.
 */
export function startOffset(from: From, range: PartitionRange): bigint {
  const clamp = (o: bigint): bigint => (o < range.low ? range.low : o > range.high ? range.high : o);
  switch (from.kind) {
    case 'earliest':
      return range.low;
    case 'latest':
      return range.high;
    case 'offset':
      return clamp(from.offset);
    case 'time':
      return clamp(range.atTime ?? range.high);
    case 'last':
      return clamp(range.high - BigInt(4 * from.count + 16));
  }
}
