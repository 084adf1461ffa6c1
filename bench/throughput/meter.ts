import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ScenarioName, ScenarioReport } from './protocol';

/**
 * Counts processed input records and samples what a report needs: CPU time and RSS from the
 * moment the scenario is ready on, and event-loop delay over the same window.
 */
export class Meter {
  private readonly started = Date.now();
  private first: number | undefined;
  private last = 0;
  private cpuAtFirst: NodeJS.CpuUsage | undefined;
  private cpuAtLast: NodeJS.CpuUsage | undefined;
  records = 0;
  private batches = 0;
  private batchRecords = 0;
  private readonly memory: { at: number; rss: number; heap: number; external: number }[] = [];
  private peakRss = 0;
  private readonly lag = monitorEventLoopDelay({ resolution: 10 });
  private readonly sampler: NodeJS.Timeout;

  constructor(private readonly scenario: ScenarioName) {
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
  }

  private sample(): void {
    // Heap and Buffers apart from RSS, so that growth can be told to be JavaScript's, Buffers' or native.
    const m = process.memoryUsage();
    const mib = (b: number): number => b / 2 ** 20;
    this.peakRss = Math.max(this.peakRss, mib(m.rss));
    if (this.first !== undefined) this.memory.push({ at: this.records, rss: mib(m.rss), heap: mib(m.heapUsed), external: mib(m.external) });
  }

  /** Records whose processing just committed (one batch). */
  add(records: number): void {
    if (records === 0) return;
    this.records += records;
    this.batches++;
    this.batchRecords += records;
    this.last = Date.now();
    this.cpuAtLast = process.cpuUsage();
  }

  /** Starts the window now: at ready, before any record. */
  begin(): void {
    if (this.first !== undefined) return;
    this.restart();
  }

  /** Starts the window again now, forgetting what came before (scale-out: after the group has settled). */
  restart(): void {
    this.records = 0;
    this.batches = 0;
    this.batchRecords = 0;
    this.memory.length = 0;
    this.first = Date.now();
    this.cpuAtFirst = process.cpuUsage();
    this.lag.reset();
    this.lag.enable();
  }

  report(extra: { cacheHitRate: number | null; endNow?: boolean; stages?: ScenarioReport['stages'] }): ScenarioReport {
    this.sample();
    clearInterval(this.sampler);
    this.lag.disable();
    if (extra.endNow) {
      this.last = Date.now();
      this.cpuAtLast = process.cpuUsage();
    }
    const first = this.first ?? Date.now();
    const seconds = Math.max(0.001, (this.last - first) / 1000);
    const cpu = this.cpuAtFirst && this.cpuAtLast ? process.cpuUsage(this.cpuAtFirst) : { user: 0, system: 0 };
    const cpuEnd = this.cpuAtLast ? process.cpuUsage(this.cpuAtLast) : { user: 0, system: 0 };
    const cpuSeconds = (cpu.user + cpu.system - cpuEnd.user - cpuEnd.system) / 1e6;
    const decile = (pick: (s: { rss: number; heap: number; external: number }) => number): number[] =>
      Array.from({ length: 10 }, (_, i) => {
        const at = (this.records * (i + 1)) / 10;
        const s = this.memory.find((x) => x.at >= at) ?? this.memory.at(-1);
        return s ? Math.round(pick(s)) : 0;
      });
    const ms = (ns: number): number => Math.round((Number.isFinite(ns) ? ns : 0) / 1e4) / 100;
    return {
      scenario: this.scenario,
      records: this.records,
      seconds,
      eventsPerSecond: this.records / seconds,
      startupSeconds: (first - this.started) / 1000,
      cpuSecondsPer1k: this.records > 0 ? (cpuSeconds / this.records) * 1000 : 0,
      peakRssMiB: Math.round(this.peakRss),
      rssByDecile: decile((s) => s.rss),
      heapByDecile: decile((s) => s.heap),
      externalByDecile: decile((s) => s.external),
      eventLoopLagMs: { p50: ms(this.lag.percentile(50)), p99: ms(this.lag.percentile(99)), max: ms(this.lag.max) },
      meanBatchSize: this.batches > 0 ? this.batchRecords / this.batches : 0,
      cacheHitRate: extra.cacheHitRate,
      ...(extra.stages ? { stages: extra.stages } : {}),
    };
  }
}
