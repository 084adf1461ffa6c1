import type { Kafka } from 'kafkajs';
import pino from 'pino';
import client from 'prom-client';
import type { Config } from '../config/schema';
import type { ModelName } from '../features/spec';
import { kafkaFromConfig } from '../kafka/client';
import type { Health, MetricsSource } from '../ops/http-server';
import { collectProcessMetrics, createMetrics } from '../ops/metrics';
import { Processor } from '../process/processor';
import { laterThreadDirs, removePreviousMembers } from './previous-members';
import { StreamThreads } from './stream-threads';

/** What `scorestream run` drives: one processor on the main thread, or processing.threads stream threads. */
export interface RunningProcessor {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Health | Promise<Health>;
  ready(): boolean | Promise<boolean>;
  setModelVersion(model: ModelName, policy: string): Promise<string>;
  readonly metrics: MetricsSource;
}

/**
 * The processor `run` asks for. With one thread it runs on the main thread as it always has
 * (no worker, no message passing); with more, each thread is a processor in a worker thread.
 */
export function runningProcessor(config: Config, endpoints: { readonly brokers: readonly string[]; readonly registryUrl: string }, onFatal: (err: Error) => void): RunningProcessor {
  const registry = new client.Registry();
  const logger = pino({ level: config.logLevel, base: { app: config.appId } }, pino.destination(2));
  // The members every thread of the last run left behind, gone before the first thread joins
  // (state.dir's own member, with one thread, is the processor's to remove as it starts).
  const leave = (kafka: Kafka, dirs: readonly string[]): Promise<void> => removePreviousMembers(kafka, dirs, config.appId, (level, message) => logger[level](message));
  if (config.processingThreads > 1) {
    collectProcessMetrics(registry);
    const threads = new StreamThreads(config, endpoints, { processRegistry: registry, onFatal });
    return {
      start: async () => {
        await leave(kafkaFromConfig(config, endpoints.brokers, 'processor'), [config.stateDir, ...laterThreadDirs(config.stateDir)]);
        await threads.start();
      },
      stop: () => threads.stop(),
      health: () => threads.health(),
      ready: () => threads.ready(),
      setModelVersion: (model, policy) => threads.setModelVersion(model, policy),
      metrics: threads.metrics,
    };
  }
  const metrics = createMetrics(registry);
  const kafka = kafkaFromConfig(config, endpoints.brokers, 'processor', { onRetried: (kind) => metrics.kafkaRetries.inc({ kind }) });
  const processor = new Processor(config, kafka, endpoints.registryUrl, { metrics, onFatal });
  return {
    start: async () => {
      await leave(kafka, laterThreadDirs(config.stateDir));
      await processor.start();
    },
    stop: () => processor.stop(),
    health: () => {
      const h = processor.health();
      return { ok: h.ok, detail: h };
    },
    ready: () => processor.isReady,
    setModelVersion: (model, policy) => processor.setModelVersion(model, policy),
    metrics: registry,
  };
}
