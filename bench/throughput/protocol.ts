import type { StageFigures } from './stages';

/** What the orchestrator asks of a scenario child, and what the child reports (one `@@<json>` line each). */
export type ScenarioName = 'passthrough' | 'io-floor' | 'pipeline' | 'naive';

export interface ScenarioRequest {
  readonly scenario: ScenarioName;
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly prefix: string;
  /** Consumer group (and transactional id prefix) of this run. */
  readonly group: string;
  /** Throughput: stop after this many input records; 0: run until SIGTERM (latency phases). */
  readonly target: number;
  /** Throughput: stop after this long even if the target is not reached (the naive scorer). */
  readonly maxSeconds: number;
  /** Pipeline settings, as SCORESTREAM_* environment variables. */
  readonly env: Record<string, string>;
  /** io-floor: the file of the pipeline's sampled outputs (io-sample.ts) whose bytes it writes. */
  readonly sample?: string;
  /** passthrough and io-floor: the Kafka client (librdkafka: see librdkafka.ts, with a producer per partition or one); KafkaJS by default. */
  readonly client?: 'kafkajs' | 'librdkafka' | 'librdkafka-one-producer';
}

export interface ScenarioReport {
  readonly scenario: ScenarioName;
  /** Input records processed (committed) in the measured window. */
  readonly records: number;
  /** From ready to the last processed record (throughput) or to SIGTERM (latency). */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** From process start to ready: connect, join, model load, restore. */
  readonly startupSeconds: number;
  readonly cpuSecondsPer1k: number;
  readonly peakRssMiB: number;
  /** RSS (MiB) at each tenth of the run, for flatness. */
  readonly rssByDecile: number[];
  /** V8 heap in use, and memory outside it held by JavaScript objects (Buffers), MiB, at the same points. */
  readonly heapByDecile?: number[];
  readonly externalByDecile?: number[];
  readonly eventLoopLagMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly meanBatchSize: number;
  readonly cacheHitRate: number | null;
  /** The pipeline's own account of where a record's time went (fetch, merge, compute, commit). */
  readonly stages?: Record<string, StageFigures>;
}

export type ChildMessage = { readonly ready: true } | { readonly report: ScenarioReport } | { readonly error: string };

export const MESSAGE_PREFIX = '@@';

/** Output topics of one scenario run: every topic whose name holds the group is the run's. */
export function runOutputs(prefix: string, group: string): { readonly lead_scorer: string; readonly property_matcher: string; readonly churn_predictor: string; readonly copy: string; readonly changelog: string } {
  return {
    lead_scorer: `${prefix}${group}.lead.scores`,
    property_matcher: `${prefix}${group}.property.matches`,
    churn_predictor: `${prefix}${group}.lead.churn`,
    copy: `${prefix}${group}.copy`,
    changelog: `${prefix}${group}.changelog`,
  };
}
