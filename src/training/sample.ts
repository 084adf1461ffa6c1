import { createHash } from 'node:crypto';
import { ScorestreamError } from '../errors';

/**
 * Which scored events become training rows. `all`: every one. `per-lead:N`: at most N per lead,
 * so that one very active lead cannot dominate the table: the N events of the lead whose
 * sha256(seed, event_id) is smallest, a uniform sample that does not depend on the order events
 * are read in (so an export from the topics and one from a file pick the same events).
 */
export type SamplePolicy = { readonly kind: 'all' } | { readonly kind: 'per-lead'; readonly max: number; readonly seed: number };

export const DEFAULT_SAMPLE: SamplePolicy = { kind: 'per-lead', max: 10, seed: 42 };

export function parseSample(text: string, seed: number): SamplePolicy {
  if (text === 'all') return { kind: 'all' };
  const m = /^per-lead:(\d+)$/.exec(text);
  if (m && Number(m[1]) >= 1) return { kind: 'per-lead', max: Number(m[1]), seed };
  throw new ScorestreamError('USAGE_INVALID', `features export: --sample ${text}: expected all or per-lead:N (N >= 1)`);
}

export function describeSample(policy: SamplePolicy): string {
  return policy.kind === 'all' ? 'all' : `per-lead:${policy.max} (seed ${policy.seed})`;
}

/** The sample's rank of an event: smaller is kept first. */
export function sampleRank(policy: SamplePolicy, eventId: string): string {
  return policy.kind === 'all' ? '' : createHash('sha256').update(`${policy.seed}:${eventId}`).digest('hex');
}

/**
 * The kept items of one lead: at most `max`, those of smallest rank. Items are offered as events
 * are served; one pushed out later is dropped.
 */
export class LeadSample<T> {
  private readonly items: { rank: string; item: T }[] = [];

  constructor(private readonly max: number) {}

  /** Whether an item of this rank would be kept now (so the caller can skip computing it). */
  wants(rank: string): boolean {
    return this.items.length < this.max || rank < (this.items[this.items.length - 1] as { rank: string }).rank;
  }

  offer(rank: string, item: T): void {
    if (!this.wants(rank)) return;
    let i = this.items.length;
    while (i > 0 && (this.items[i - 1] as { rank: string }).rank > rank) i--;
    this.items.splice(i, 0, { rank, item });
    if (this.items.length > this.max) this.items.pop();
  }

  kept(): T[] {
    return this.items.map((e) => e.item);
  }
}
