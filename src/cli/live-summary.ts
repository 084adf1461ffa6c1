/** Counters and a latency window for the demo's live summary. */
export class LiveSummary {
  recordsIn = 0;
  outputs = 0;
  dlq = 0;
  produced = 0;
  private readonly latencies: number[] = [];
  private lastIn = 0;
  private lastAt = Date.now();
  readonly startedAt = Date.now();

  addLatencies(ms: readonly number[]): void {
    for (const x of ms) this.latencies.push(x);
    // A sliding window: the latest 50,000 records.
    if (this.latencies.length > 60_000) this.latencies.splice(0, this.latencies.length - 50_000);
  }

  percentile(q: number): number | undefined {
    if (this.latencies.length === 0) return undefined;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  /** Events per second since the previous call. */
  rate(): number {
    const now = Date.now();
    const r = ((this.recordsIn - this.lastIn) * 1000) / Math.max(1, now - this.lastAt);
    this.lastIn = this.recordsIn;
    this.lastAt = now;
    return r;
  }

  line(cacheHitRate: number | undefined, models: string): string {
    const n = (x: number): string => Math.round(x).toLocaleString('en-US');
    const ms = (x: number | undefined): string => (x === undefined ? '-' : `${n(x)} ms`);
    const t = Math.round((Date.now() - this.startedAt) / 1000);
    return `t=${t}s  produced ${n(this.produced)}  in ${n(this.recordsIn)}  scores out ${n(this.outputs)}  DLQ ${n(this.dlq)}  ${n(this.rate())} events/s  latency p50 ${ms(this.percentile(0.5))} p99 ${ms(this.percentile(0.99))}  cache hits ${cacheHitRate === undefined ? '-' : `${(cacheHitRate * 100).toFixed(1)}%`}  models ${models}`;
  }
}
