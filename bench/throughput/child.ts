/**
 * One scenario of `npm run bench`, in its own process so that its CPU time and RSS are its own:
 * the raw transactional passthrough, scorestream's pipeline, or the naive scorer. Reads the
 * request as JSON from argv[2]; writes `@@<json>` lines (ready, then the report) to stdout.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka, KafkaMessage, Message } from 'kafkajs';
import client from 'prom-client';
import { loadConfig } from '../../src/config/load';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../src/features/lead-state';
import { leadFeatures } from '../../src/features/lead-features';
import { MainThreadInference } from '../../src/infer/main-thread-inference';
import { createKafka } from '../../src/kafka/client';
import { METRIC, collectProcessMetrics, createMetrics } from '../../src/ops/metrics';
import type { Config } from '../../src/config/schema';
import type { ModelName } from '../../src/features/spec';
import { compressionOf } from '../../src/process/commit-batch';
import { TransactionalProducers } from '../../src/process/producers';
import { HEADERS, outputHeaders } from '../../src/publish/headers';
import { splitRequests } from '../../src/publish/split-requests';
import { ModelRegistry } from '../../src/registry/registry';
import { readSchema } from '../../src/schemas/files';
import type { EngagementEvent, LeadEvent } from '../../src/schemas/types';
import { leadScore } from '../../src/score/outputs';
import { topicNames, valueSubject } from '../../src/topics/names';
import { readSample } from './io-sample';
import { Meter } from './meter';
import { withRetries } from './retry';
import { MESSAGE_PREFIX, runOutputs, type ChildMessage, type ScenarioReport, type ScenarioRequest } from './protocol';
import { stageFigures, type StageSource } from './stages';
import { librdkafkaCopy, loadLibrdkafka } from './librdkafka';

const MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

let meterOfRun: Meter | undefined;

function send(message: ChildMessage): void {
  // Measured from ready (joined, assigned, restored), not from the first commit: with large
  // batches the first commit comes late and much of the work would fall before the window.
  if ('ready' in message) meterOfRun?.begin();
  process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`);
}

interface Running {
  readonly meter: Meter;
  stop(): Promise<void>;
  cacheHitRate(): number | null;
  stages?(): Promise<ScenarioReport['stages']>;
  resetStages?(): void;
}

async function createOutputs(admin: Admin, registry: SchemaRegistry, topics: { topic: string; schema?: Parameters<typeof readSchema>[0]; compacted?: boolean }[]): Promise<void> {
  await withRetries(() => admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: 6, replicationFactor: 1, configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [] })),
  }));
  for (const t of topics) if (t.schema) await registry.register({ type: SchemaType.AVRO, schema: readSchema(t.schema) }, { subject: valueSubject(t.topic) });
}

function sourceHeaders(topic: string, partition: number, offset: string): Record<string, string> {
  return { [HEADERS.sourceTopic]: topic, [HEADERS.sourcePartition]: String(partition), [HEADERS.sourceOffset]: offset };
}

type TopicMessages = { topic: string; messages: Message[] }[];

/**
 * Consumes both inputs as the processor does (its consumer settings, without its merge: each
 * input partition commits alone) and, per batch of at most `maxRecords`, writes what `write`
 * makes of it with the offsets in one transaction of the partition's transactional producer.
 */
async function transactionalCopy(req: ScenarioRequest, kafka: Kafka, meter: Meter, write: (topic: string, partition: number, messages: readonly KafkaMessage[]) => TopicMessages, maxRecords = Number.POSITIVE_INFINITY): Promise<Running> {
  const config = loadConfig({ env: req.env });
  const names = topicNames(req.group, req.prefix);
  if (req.client === 'librdkafka' || req.client === 'librdkafka-one-producer') {
    const ck = loadLibrdkafka();
    if (!ck) throw new Error('the librdkafka scenarios need BENCH_CKJS_DIR (bench/README.md)');
    const copy = await librdkafkaCopy(
      ck,
      { brokers: req.brokers, group: req.group, topics: [names.lead, names.engagement], compression: config.compression, maxBytesPerPartition: config.fetchMaxBytesPerPartition, maxRecords, producers: req.client === 'librdkafka' ? 'per-partition' : 'one' },
      // The same records as with KafkaJS: write reads only key, value, offset and headers.
      (topic, partition, messages) => write(topic, partition, messages as unknown as KafkaMessage[]),
      () => send({ ready: true }),
      (records) => meter.add(records),
    );
    return { meter, cacheHitRate: () => null, stop: () => copy.stop() };
  }
  const producers = new TransactionalProducers(kafka, req.group);
  const consumer = kafka.consumer({
    groupId: req.group,
    readUncommitted: false,
    maxWaitTimeInMs: Math.max(50, config.batchLingerMs),
    maxBytesPerPartition: config.fetchMaxBytesPerPartition,
    maxBytes: config.fetchMaxBytes,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => send({ ready: true }));
  // A consumer that gives up would otherwise leave this process waiting for records forever.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    send({ error: `the consumer stopped: ${payload.error.stack ?? payload.error.message}` });
    process.exit(1);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [names.lead, names.engagement], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 12,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const producer = await (producers.current(batch.topic, batch.partition) ?? producers.prepare(batch.topic, batch.partition));
      for (let start = 0; start < batch.messages.length; start += maxRecords) {
        const messages = batch.messages.slice(start, start + maxRecords);
        const tx = await producer.transaction();
        try {
          // As the processor does: no record batch over the broker's limit (split-requests.ts says why).
          for (const request of splitRequests(write(batch.topic, batch.partition, messages), config.maxBatchBytes)) await tx.sendBatch({ compression: compressionOf(config.compression), topicMessages: request });
          const next = (BigInt((messages[messages.length - 1] as KafkaMessage).offset) + 1n).toString();
          await tx.sendOffsets({ consumerGroupId: req.group, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
          await tx.commit();
        } catch (err: unknown) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        meter.add(messages.length);
      }
    },
  });
  return {
    meter,
    cacheHitRate: () => null,
    stop: async () => {
      await consumer.disconnect();
      await producers.close();
    },
  };
}

/** (i) The raw limit: each batch copied to one output, committed with its offsets in one transaction. */
async function passthrough(req: ScenarioRequest, kafka: Kafka, admin: Admin, registry: SchemaRegistry, meter: Meter): Promise<Running> {
  const out = runOutputs(req.prefix, req.group).copy;
  await createOutputs(admin, registry, [{ topic: out }]);
  return transactionalCopy(req, kafka, meter, (topic, partition, messages) => [
    { topic: out, messages: messages.map((m) => ({ key: m.key, value: m.value, partition, headers: sourceHeaders(topic, partition, m.offset) })) },
  ]);
}

/**
 * (i') The I/O floor of this job with this client: per input record, the three output records the
 * pipeline wrote (their bytes and nine headers, sampled from the pipeline's run), and per batch as
 * many changelog records of sampled states as the pipeline wrote per input, in one transaction.
 * No decoding, state or scoring: what is left is the Kafka work the pipeline cannot avoid.
 */
async function ioFloor(req: ScenarioRequest, kafka: Kafka, admin: Admin, registry: SchemaRegistry, meter: Meter): Promise<Running> {
  if (!req.sample) throw new Error('io-floor needs the sample of a pipeline run (run the pipeline scenario first)');
  const sample = readSample(req.sample);
  const outs = runOutputs(req.prefix, req.group);
  const topics = [outs.lead_scorer, outs.property_matcher, outs.churn_predictor];
  await createOutputs(admin, registry, [...topics.map((topic) => ({ topic })), { topic: outs.changelog, compacted: true }]);
  const records = sample.outputs.map((o) => o.records.map((r) => ({ value: Buffer.from(r.value, 'base64'), headers: r.headers })));
  const states = sample.changelog.map((v) => Buffer.from(v, 'base64'));
  let n = 0;
  let owed = 0;
  // Transactions of the pipeline's batch size (batch.maxRecords), not of whole fetches.
  return transactionalCopy(req, kafka, meter, (_topic, partition, messages) => {
    const out: TopicMessages = topics.map((topic) => ({ topic, messages: [] }));
    for (const m of messages) {
      n++;
      records.forEach((pool, k) => {
        const r = pool[(n + k) % pool.length] as { value: Buffer; headers: Record<string, string> };
        (out[k] as { messages: Message[] }).messages.push({ key: m.key, value: r.value, partition, headers: r.headers });
      });
    }
    // As many state records as the pipeline wrote per input, keyed by the batch's leads.
    owed += messages.length * sample.changelogPerInput;
    const changelog: Message[] = [];
    for (; owed >= 1; owed--) changelog.push({ key: messages[changelog.length % messages.length]?.key ?? null, value: states[(n + changelog.length) % states.length] as Buffer, partition });
    return [...out, { topic: outs.changelog, messages: changelog }].filter((t) => t.messages.length > 0);
  }, loadConfig({ env: req.env }).batchMaxRecords);
}

/**
 * The compiled module, as `scorestream run` loads it (`npm run bench` builds first), with the
 * source's types: tsx's transform of src/ wraps every closure in a `__name` call, which costs
 * time on the hot path and hides line numbers from profiles.
 */
function fromDist<T>(module: string): T {
  return require(path.join(__dirname, '..', '..', 'dist', module)) as T;
}

/** (ii) scorestream's processor, as `scorestream run` runs it, with the request's settings. */
async function pipeline(req: ScenarioRequest, kafka: Kafka, admin: Admin, registry: SchemaRegistry, meter: Meter): Promise<Running> {
  const { Processor } = fromDist<typeof import('../../src/process/processor')>('process/processor');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-bench-state-'));
  const config = loadConfig({ env: { SCORESTREAM_MODELS_DIR: MODELS_DIR, ...req.env, SCORESTREAM_STATE_DIR: stateDir, SCORESTREAM_TOPICS_PREFIX: req.prefix, SCORESTREAM_APP_ID: req.group, SCORESTREAM_HTTP_PORT: '0' } });
  const names = topicNames(req.group, req.prefix);
  const outs = runOutputs(req.prefix, req.group);
  await createOutputs(admin, registry, [
    { topic: outs.lead_scorer, schema: 'LeadScore' },
    { topic: outs.property_matcher, schema: 'PropertyMatches' },
    { topic: outs.churn_predictor, schema: 'ChurnRisk' },
    { topic: names.changelog, compacted: true },
    { topic: names.dlq(names.lead) },
    { topic: names.dlq(names.engagement) },
  ]);
  const mode = { groupId: req.group, outputs: { lead_scorer: outs.lead_scorer, property_matcher: outs.property_matcher, churn_predictor: outs.churn_predictor } };
  if (config.processingThreads > 1) return pipelineThreads(config, req, meter, stateDir, mode);
  // As `scorestream run` has them: their cost is part of the pipeline's, and they say where its latency goes.
  const metrics = createMetrics(new client.Registry());
  const processor = new Processor(
    config,
    kafka,
    req.registryUrl,
    {
      metrics,
      onBatch: (_p, result) => meter.add(result.records),
      onLog: (level, message) => {
        if (level !== 'info') process.stderr.write(`${level}: ${message}\n`);
      },
      onRegistryEvent: () => undefined,
    },
    mode,
  );
  await processor.start();
  const readyTimer = setInterval(() => {
    if (!processor.isReady || processor.assigned.length === 0) return;
    clearInterval(readyTimer);
    send({ ready: true });
  }, 50);
  return {
    meter,
    stages: () => stageFigures(metrics.stageSeconds),
    resetStages: () => metrics.stageSeconds.reset(),
    cacheHitRate: () => {
      const s = processor.cacheStats();
      return s.hits + s.misses > 0 ? s.hits / (s.hits + s.misses) : null;
    },
    stop: async () => {
      clearInterval(readyTimer);
      await processor.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** (ii') The pipeline with processing.threads stream threads, as `scorestream run` runs them. */
async function pipelineThreads(config: Config, req: ScenarioRequest, meter: Meter, stateDir: string, mode: { groupId: string; outputs: Record<ModelName, string> }): Promise<Running> {
  const { StreamThreads } = fromDist<typeof import('../../src/threads/stream-threads')>('threads/stream-threads');
  const registry = new client.Registry();
  collectProcessMetrics(registry);
  const threads = new StreamThreads(config, { brokers: req.brokers, registryUrl: req.registryUrl }, {
    processRegistry: registry,
    mode,
    onBatch: (records) => meter.add(records),
    onFatal: (err) => process.stderr.write(`error: ${err.message}\n`),
  });
  // Watched from the start: the first thread to join processes before the others have started.
  const starting = threads.start();
  let ready = false;
  const readyTimer = setInterval(() => {
    void threads.health().then((h) => {
      const assigned = (h.detail as { threads: { partitions: number[] }[] }).threads.map((t) => t.partitions.length > 0);
      // The throughput window starts as one processor's does, at the first assignment: the first
      // thread to join processes from then on, alone until the others join.
      if (assigned.some(Boolean)) meter.begin();
      // Ready (for latency phases and scale-out) once every thread has its partitions: the
      // rebalance the later threads' joins start is over.
      if (ready || !assigned.every(Boolean)) return;
      ready = true;
      clearInterval(readyTimer);
      send({ ready: true });
    });
  }, 100);
  try {
    await starting;
  } catch (err: unknown) {
    clearInterval(readyTimer);
    throw err;
  }
  return {
    meter,
    stages: async () => stageFigures((await threads.aggregated()).getSingleMetric(METRIC.stageSeconds) as StageSource),
    resetStages: () => threads.resetStages(),
    cacheHitRate: () => null,
    stop: async () => {
      clearInterval(readyTimer);
      await threads.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * (iii) The naive scorer, the seed's "before": eachMessage, decode through the registry client,
 * update the lead's state (in memory: cheaper than the pipeline's RocksDB), score that one row
 * with lead_scorer on the main thread, send one record and wait for it; offsets auto-committed
 * (at least once, no transactions).
 */
async function naive(req: ScenarioRequest, kafka: Kafka, admin: Admin, registry: SchemaRegistry, meter: Meter): Promise<Running> {
  const config = loadConfig({ env: { SCORESTREAM_MODELS_DIR: MODELS_DIR, ...req.env } });
  const names = topicNames(req.group, req.prefix);
  const out = runOutputs(req.prefix, req.group).lead_scorer;
  await createOutputs(admin, registry, [{ topic: out, schema: 'LeadScore' }]);
  const outId = await registry.getLatestSchemaId(valueSubject(out));
  const models = new ModelRegistry(
    {
      modelsDir: config.modelsDir,
      versions: { lead_scorer: config.leadScorerVersion, property_matcher: config.propertyMatcherVersion, churn_predictor: config.churnPredictorVersion },
      precision: config.precision,
      session: { provider: 'cpu', intraOpThreads: 1 },
      breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    },
    new MainThreadInference(),
  );
  await models.start();
  const states = new Map<string, LeadState>();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: req.group });
  consumer.on(consumer.events.GROUP_JOIN, () => send({ ready: true }));
  await consumer.connect();
  await consumer.subscribe({ topics: [names.lead, names.engagement], fromBeginning: true });
  const score = async (topic: string, partition: number, message: KafkaMessage): Promise<void> => {
    const event = (await registry.decode(message.value as Buffer)) as LeadEvent | EngagementEvent;
    const before = states.get(event.lead_id);
    const after = topic === names.lead ? applyLeadEvent(before, event as LeadEvent) : applyEngagementEvent(before, event as EngagementEvent);
    states.set(event.lead_id, after);
    const features = leadFeatures(after, event.occurred_at);
    if (!features.ok) return;
    const row = Float32Array.from(features.row);
    const result = await models.score('lead_scorer', row, 1);
    const p = result.scores[0] as number;
    const scoredAt = Date.now();
    const value = await registry.encode(outId, leadScore(event.lead_id, event.event_id, scoredAt, p, row, 0, result));
    const source = { topic, partition, offset: message.offset };
    await producer.send({ topic: out, acks: -1, messages: [{ key: event.lead_id, value, headers: outputHeaders({ model: result.model, version: result.version, sha256: result.sha256, fallback: result.fallback, source, eventId: event.event_id, scoredAt }) }] });
  };
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      await score(topic, partition, message);
      meter.add(1);
    },
  });
  return {
    meter,
    cacheHitRate: () => null,
    stop: async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await models.close();
    },
  };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ScenarioRequest;
  const meter = new Meter(req.scenario);
  meterOfRun = meter;
  const kafka = createKafka({ brokers: req.brokers, clientId: `bench-${req.scenario}` });
  const admin = kafka.admin();
  await admin.connect();
  const registry = new SchemaRegistry({ host: req.registryUrl });
  const scenarios = { passthrough, 'io-floor': ioFloor, pipeline, naive };
  // Scale-out: the orchestrator starts the measured window once every instance is in the group;
  // latency: once the warm-up is over. Listened for before the scenario starts: stream threads
  // report ready while the last of them is still starting.
  let started: Running | undefined;
  process.on('SIGUSR2', () => {
    meter.restart();
    started?.resetStages?.();
  });
  const running = await scenarios[req.scenario](req, kafka, admin, registry, meter);
  started = running;
  const timers: NodeJS.Timeout[] = [];
  await new Promise<void>((resolve) => {
    if (req.maxSeconds > 0) timers.push(setTimeout(resolve, req.maxSeconds * 1000));
    if (req.target > 0) timers.push(setInterval(() => meter.records >= req.target && resolve(), 20));
    process.once('SIGTERM', () => resolve());
  });
  timers.forEach((t) => clearTimeout(t));
  const report = meter.report({ cacheHitRate: running.cacheHitRate(), endNow: req.target === 0 || meter.records < req.target, stages: await running.stages?.() });
  send({ report });
  // A clean stop where it is quick; the measurement is done either way, and a child that went on
  // consuming would take CPU from the next scenario.
  const hardStop = setTimeout(() => process.exit(0), 10_000);
  await running.stop().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  clearTimeout(hardStop);
  process.exit(0);
}

main().catch((err: unknown) => {
  send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
