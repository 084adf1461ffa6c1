import path from 'node:path';
import { Worker } from 'node:worker_threads';
import client from 'prom-client';
import type { Config } from '../config/schema';
import type { ModelName } from '../features/spec';
import type { Health, MetricsSource } from '../ops/http-server';
import { workerScript } from '../worker-script';
import { fromThreadError, type ThreadData, type ThreadHealth, type ThreadMessage, type ThreadRequest } from './protocol';

/** How long a probe or a scrape waits for a thread: one that cannot answer in this time is not healthy. */
const ANSWER_TIMEOUT_MS = 5_000;

type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Thread 0 keeps state.dir itself, so that going from one thread to several keeps its store;
 * thread n > 0 has state.dir/thread-<n>. A partition that moves between threads is caught up from
 * the changelog, as between two processes.
 */
export function threadStateDir(stateDir: string, index: number): string {
  return index === 0 ? stateDir : path.join(stateDir, `thread-${index}`);
}

export interface StreamThreadsOptions {
  /** The process's own registry (CPU, memory, event loop): served beside the threads' metrics. */
  readonly processRegistry: client.Registry;
  /** A thread's consumer gone for good, or the thread itself: the process should stop, exit 1. */
  onFatal(error: Error): void;
  /** Each committed batch's record count (the benchmark counts them). */
  onBatch?(records: number): void;
  readonly mode?: ThreadData['mode'];
}

interface Thread {
  readonly index: number;
  readonly worker: Worker;
  /** Resolves once the thread's processor has started; rejects with why it could not. */
  readonly started: Promise<void>;
  /** Resolves when the thread has stopped, or exited. */
  readonly stopped: Promise<void>;
  exited: boolean;
}

/**
 * processing.threads stream threads in this process, each a processor of its own in a worker
 * thread (stream-thread.ts) and a member of the group: Kafka Streams' num.stream.threads. Seen
 * from outside they are one processor: start and stop together, one health and readiness (every
 * thread's), one /metrics (the threads' registries summed, by each metric's aggregator), and a
 * model switch that reaches every thread.
 */
export class StreamThreads {
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private stopping = false;

  constructor(
    private readonly config: Config,
    private readonly endpoints: { readonly brokers: readonly string[]; readonly registryUrl: string },
    private readonly options: StreamThreadsOptions,
  ) {}

  get count(): number {
    return this.config.processingThreads;
  }

  private spawn(index: number): Thread {
    const data: ThreadData = {
      index,
      config: { ...this.config, stateDir: threadStateDir(this.config.stateDir, index) },
      brokers: this.endpoints.brokers,
      registryUrl: this.endpoints.registryUrl,
      reportBatches: this.options.onBatch !== undefined,
      ...(this.options.mode ? { mode: this.options.mode } : {}),
    };
    const worker = new Worker(workerScript('threads', 'stream-thread', 'the stream thread', 'CONFIG_INVALID'), { workerData: data, stdout: false, stderr: false });
    let started: { resolve: () => void; reject: (err: Error) => void } | undefined;
    let resolveStopped: () => void = () => undefined;
    const thread: Thread = {
      index,
      worker,
      exited: false,
      started: new Promise<void>((resolve, reject) => (started = { resolve, reject })),
      stopped: new Promise<void>((resolve) => (resolveStopped = resolve)),
    };
    // Not every thread is awaited when one fails to start: its rejection must not go unhandled.
    thread.started.catch(() => undefined);
    worker.on('message', (m: ThreadMessage) => {
      switch (m.type) {
        case 'started':
          return started?.resolve();
        case 'start-failed':
          return started?.reject(fromThreadError(m.error, index));
        case 'reply': {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error) p?.reject(fromThreadError(m.error, index));
          else p?.resolve(m.value);
          return;
        }
        case 'fatal':
          return this.options.onFatal(fromThreadError(m.error, index));
        case 'batch':
          return this.options.onBatch?.(m.records);
        case 'stopped':
          return resolveStopped();
      }
    });
    worker.on('error', (err) => {
      // An exception nothing in the thread caught: the thread is gone, so is this process's share of the group.
      started?.reject(err);
      if (!this.stopping) this.options.onFatal(new Error(`stream thread ${index} failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      thread.exited = true;
      started?.reject(new Error(`stream thread ${index} exited with code ${code} while starting`));
      resolveStopped();
      if (!this.stopping) this.options.onFatal(new Error(`stream thread ${index} exited with code ${code}`));
    });
    return thread;
  }

  /** Starts every thread; the first that fails to start fails the whole (stop() then ends the others). */
  async start(): Promise<void> {
    for (let i = 0; i < this.count; i++) this.threads.push(this.spawn(i));
    const started = this.threads.map((t) => {
      t.worker.postMessage({ op: 'start' } satisfies ThreadRequest);
      return t.started;
    });
    // Every thread settles before the first failure is thrown: none is left half-started behind it.
    const results = await Promise.allSettled(started);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Each thread finishes its batch in flight and leaves the group (in parallel); then the threads end. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.threads.map(async (t) => {
        if (!t.exited) t.worker.postMessage({ op: 'stop' } satisfies ThreadRequest);
        await t.stopped;
        await t.worker.terminate();
      }),
    );
    for (const [, p] of this.pending) p.reject(new Error('the stream threads stopped'));
    this.pending.clear();
  }

  private ask<T>(thread: Thread, req: Request): Promise<T> {
    if (thread.exited) return Promise.reject(new Error(`stream thread ${thread.index} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`stream thread ${thread.index} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      thread.worker.postMessage({ ...req, id });
    });
  }

  private async healths(): Promise<ThreadHealth[]> {
    return Promise.all(
      this.threads.map((t) =>
        this.ask<ThreadHealth>(t, { op: 'health' }).catch((err: unknown): ThreadHealth => {
          const error = err instanceof Error ? err.message : String(err);
          return { ready: false, detail: { ok: false, error, partitions: [], models: [], stalled: [] } };
        }),
      ),
    );
  }

  /** Alive when every thread is; the detail has each thread's, and the models and stalls of all. */
  async health(): Promise<Health> {
    const all = await this.healths();
    const ok = all.length === this.count && all.every((h) => h.detail.ok);
    const errors = all.flatMap((h, i) => (h.detail.error ? [`thread ${i}: ${h.detail.error}`] : []));
    return {
      ok,
      detail: {
        ok,
        partitions: all.flatMap((h) => h.detail.partitions).sort((a, b) => a - b),
        models: all[0]?.detail.models ?? [],
        stalled: all.flatMap((h) => h.detail.stalled),
        ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
        threads: all.map((h) => h.detail),
      },
    };
  }

  /** Ready when every thread is (each has its partitions restored and the property table loaded). */
  async ready(): Promise<boolean> {
    const all = await this.healths();
    return all.length === this.count && all.every((h) => h.ready);
  }

  /** Every thread's model put on `policy`; one answer when they agree, each thread's when they do not. */
  async setModelVersion(model: ModelName, policy: string): Promise<string> {
    const answers = await Promise.all(this.threads.map((t) => this.ask<string>(t, { op: 'set-model', model, policy })));
    const distinct = [...new Set(answers)];
    return distinct.length === 1 ? (distinct[0] as string) : answers.map((a, i) => `thread ${i}: ${a}`).join('; ');
  }

  /** The threads' metrics summed (each by its aggregator), with the process's own. */
  async aggregated(): Promise<client.Registry> {
    const own = await this.options.processRegistry.getMetricsAsJSON();
    const threads = await Promise.all(this.threads.map((t) => this.ask<object[]>(t, { op: 'metrics' })));
    return client.AggregatorRegistry.aggregate([own, ...threads]);
  }

  /** What /metrics serves. */
  get metrics(): MetricsSource {
    return { metrics: async () => (await this.aggregated()).metrics(), contentType: this.options.processRegistry.contentType };
  }

  /** The benchmark's measured window starts again: every thread's stage histogram too. */
  resetStages(): void {
    for (const t of this.threads) if (!t.exited) t.worker.postMessage({ op: 'reset-stages' } satisfies ThreadRequest);
  }
}
