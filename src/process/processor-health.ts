import type { Metrics } from '../ops/metrics';
import { PartitionProgress } from './partition-progress';

export interface ProcessorHealthDeps {
  readonly stallTimeoutMs: number;
  readonly metrics?: Metrics;
  log(level: 'info' | 'error', message: string, bindings?: Record<string, unknown>): void;
  /** Whether the processor is ready now (for the readiness gauge). */
  ready(): boolean;
  /** The consumer can no longer make progress: the owner ends the process non-zero. */
  onFatal?(error: Error): void;
}

/**
 * What /healthz, /readyz and their metrics say of a processor: which partitions are stalled
 * (PartitionProgress), and whether the consumer is gone for good. Stalls are logged once when they
 * begin and once when they end, and mirrored in scorestream_partition_stalled every second.
 */
export class ProcessorHealth {
  readonly progress: PartitionProgress;
  private fatalError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly stalledSeen = new Set<number>();

  constructor(private readonly deps: ProcessorHealthDeps) {
    this.progress = new PartitionProgress(deps.stallTimeoutMs);
  }

  get fatal(): Error | undefined {
    return this.fatalError;
  }

  /** Healthy: no fatal error and no stalled partition. */
  get ok(): boolean {
    return this.fatalError === undefined && this.progress.stalled().length === 0;
  }

  /**
   * The consumer cannot go on here: health fails at once and the owner (scorestream run) exits
   * non-zero, so that a supervisor starts the process again, rather than it sitting idle and "ready".
   */
  fail(err: Error): void {
    if (this.fatalError) return;
    this.fatalError = err;
    this.deps.log('error', `the consumer stopped: ${err.message}; exiting so that a supervisor restarts the process`);
    this.deps.metrics?.ready.set(0);
    this.deps.onFatal?.(err);
  }

  start(): void {
    this.timer = setInterval(() => this.watch(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private watch(): void {
    const m = this.deps.metrics;
    const stalled = this.progress.stalled();
    const now = new Set(stalled.map((s) => s.partition));
    for (const s of stalled) {
      if (!this.stalledSeen.has(s.partition)) {
        this.deps.log('error', `partition ${s.partition}: stalled for ${Math.round(s.forMs / 1000)} s (${s.failing ? 'its batches keep failing' : 'one batch has not finished'}); health and readiness fail`, { partition: s.partition });
      }
      m?.partitionStalled.set({ partition: String(s.partition) }, 1);
    }
    for (const p of this.stalledSeen) {
      if (now.has(p)) continue;
      this.deps.log('info', `partition ${p}: moving again`, { partition: p });
      m?.partitionStalled.set({ partition: String(p) }, 0);
    }
    this.stalledSeen.clear();
    for (const p of now) this.stalledSeen.add(p);
    m?.ready.set(this.deps.ready() ? 1 : 0);
  }
}
