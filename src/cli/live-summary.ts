import type { DemoStatus } from './demo-display';

/** Counters and a latency window for the demo's live display. */
export class LiveSummary {
  recordsIn = 0;
  outputs = 0;
  dlq = 0;
  produced = 0;
  private readonly latencies: number[] = [];
  /** (time, records in) of the last few seconds, for the rate. */
  readonly startedAt = Date.now();
  private readonly samples: { at: number; n: number }[] = [{ at: this.startedAt, n: 0 }];

  addLatencies(ms: readonly number[]): void {
    for (const x of ms) this.latencies.push(x);
    // A sliding window: the latest 50,000 records.
    if (this.latencies.length > 60_000) this.latencies.splice(0, this.latencies.length - 50_000);
  }

  private percentiles(): { p50: number | undefined; p99: number | undefined } {
    if (this.latencies.length === 0) return { p50: undefined, p99: undefined };
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return { p50: at(0.5), p99: at(0.99) };
  }

  /** Records in per second over the last ~2 s. */
  private rate(now: number): number {
    this.samples.push({ at: now, n: this.recordsIn });
    while (this.samples.length > 2 && now - (this.samples[1] as { at: number }).at >= 2_000) this.samples.shift();
    const first = this.samples[0] as { at: number; n: number };
    return first.at === now ? 0 : ((this.recordsIn - first.n) * 1000) / (now - first.at);
  }

  status(total: number, models: string): DemoStatus {
    const now = Date.now();
    const { p50, p99 } = this.percentiles();
    return {
      seconds: Math.round((now - this.startedAt) / 1000),
      produced: this.produced,
      total,
      scored: this.recordsIn,
      outputs: this.outputs,
      dlq: this.dlq,
      eventsPerSecond: this.rate(now),
      p50Ms: p50,
      p99Ms: p99,
      models,
    };
  }
}
