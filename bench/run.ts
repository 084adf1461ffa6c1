/**
 * `npm run bench`: scorestream against its own limit and a naive baseline, side by side on one
 * broker. Pre-fills 6-partition input topics with a seeded history (not produced while measuring),
 * then runs each scenario in its own process (bench/throughput/child.ts):
 *   (i) passthrough: raw KafkaJS consume -> produce in a transaction per batch, no scoring;
 *   (ii) pipeline: scorestream's processor (INT8 unless a variant says otherwise, EOS);
 *   (i') io-floor: the passthrough writing what the pipeline wrote (three output records of its
 *        sampled bytes and headers per input, its changelog records), the job's Kafka I/O floor;
 *   (iii) naive: eachMessage, score one event, send one record.
 * Throughput over the pre-filled topics, pipeline variants (cache, precision, at-least-once, batch
 * size, linger), one and two pipeline instances in a group, and end-to-end latency at fixed input
 * rates. Medians of --reps repetitions.
 * Writes bench/results/throughput-<date>.json (a quick or narrowed run: bench/results/tmp/) and prints the Markdown tables.
 *
 *   npm run bench -- [--events 1000000] [--reps 3] [--quick] [--only throughput,variants,scaleout,latency] [--scenarios passthrough,pipeline,pipeline-2-threads,io-floor,naive; also pipeline-commit-0,-50,-100] [--rates 1000,5000]
 *                    [--variants <names containing>,...] [--profile dir (node --cpu-prof of each pipeline run, latency phases included)]
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin } from 'kafkajs';
import { createKafka } from '../src/kafka/client';
import { connectOrStartLocal, release } from '../src/local/connect';
import { createTopics } from '../src/topics/create';
import { topicNames } from '../src/topics/names';
import { brokerCpuSeconds } from './throughput/broker-cpu';
import { librdkafkaVersion } from './throughput/librdkafka';
import { withRetries } from './throughput/retry';
import { orderedHistory, prefill } from './throughput/events';
import { sampleRun, writeSample } from './throughput/io-sample';
import { waitCaughtUp } from './throughput/caught-up';
import { measureLatency, type LatencyResult } from './throughput/latency';
import { runOutputs, type ScenarioName, type ScenarioRequest } from './throughput/protocol';
import { startScenario, type ScenarioChild } from './throughput/spawn';
import { renderMarkdown, type BenchResults, type Measured, type ScaleOutResult, type Variant } from './throughput/tables';
import { InferenceServer, exportRepository } from '../test/helpers/inference-server';

const PARTITIONS = 6;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The pipeline as benchmarked unless a variant says otherwise: the defaults (static INT8 where the manifests allow it, as they do for the shipped models). */
const PIPELINE_ENV: Record<string, string> = { SCORESTREAM_LOG_LEVEL: 'warn' };

/** The rows of the throughput and latency tables: a scenario, under the settings it runs with. */
interface Run {
  /** In --scenarios. */
  readonly key: string;
  /** In the tables. */
  readonly label: string;
  readonly scenario: ScenarioName;
  readonly env: Record<string, string>;
  readonly client?: 'librdkafka' | 'librdkafka-one-producer';
  /** Run only when --scenarios names it. */
  readonly optIn?: boolean;
  /** Scores through an inference server the harness starts (Triton on this machine's CPU). */
  readonly remote?: boolean;
}

const RUNS: readonly Run[] = [
  { key: 'passthrough', label: 'passthrough', scenario: 'passthrough', env: {} },
  { key: 'pipeline', label: 'pipeline', scenario: 'pipeline', env: PIPELINE_ENV },
  { key: 'pipeline-2-threads', label: 'pipeline, 2 threads', scenario: 'pipeline', env: { ...PIPELINE_ENV, SCORESTREAM_PROCESSING_THREADS: '2' } },
  ...[0, 50, 100].map((ms) => ({ key: `pipeline-commit-${ms}`, label: `pipeline, commit interval ${ms} ms`, scenario: 'pipeline' as const, env: { ...PIPELINE_ENV, SCORESTREAM_PROCESSING_COMMIT_INTERVAL_MS: String(ms) }, optIn: true })),
  { key: 'io-floor', label: 'io-floor', scenario: 'io-floor', env: {} },
  { key: 'naive', label: 'naive', scenario: 'naive', env: {} },
  // The same pipeline with models.backend=remote: Triton serving the export of models/ on the same
  // two cores (the scores are the same; what it costs is the requests and the server's CPU).
  { key: 'pipeline-remote', label: 'pipeline, remote (Triton on the CPU)', scenario: 'pipeline', env: PIPELINE_ENV, remote: true },
  // The client comparison, where @confluentinc/kafka-javascript is installed (bench/README.md).
  ...(librdkafkaVersion() !== undefined
    ? ([
        { key: 'passthrough-librdkafka', label: 'passthrough, librdkafka', scenario: 'passthrough', env: {}, client: 'librdkafka' },
        { key: 'io-floor-librdkafka', label: 'io-floor, librdkafka', scenario: 'io-floor', env: {}, client: 'librdkafka' },
        { key: 'passthrough-librdkafka-one-producer', label: 'passthrough, librdkafka, one producer', scenario: 'passthrough', env: {}, client: 'librdkafka-one-producer' },
        { key: 'io-floor-librdkafka-one-producer', label: 'io-floor, librdkafka, one producer', scenario: 'io-floor', env: {}, client: 'librdkafka-one-producer' },
      ] as const)
    : []),
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const events = Number(flag('events', quick ? '100000' : '1000000'));
  const reps = Number(flag('reps', quick ? '1' : '3'));
  const parts = ['throughput', 'variants', 'scaleout', 'latency'];
  const only = new Set(flag('only', parts.join(',')).split(','));
  // io-floor after the pipeline: it writes the bytes the pipeline of the same repetition wrote.
  const defaultRuns = RUNS.filter((r) => r.optIn !== true);
  const scenarios = RUNS.filter((s) => flag('scenarios', defaultRuns.map((r) => r.key).join(',')).split(',').includes(s.key));
  const profileDir = process.argv.includes('--profile') ? path.resolve(flag('profile', 'bench/profiles')) : undefined;
  const variantEvents = Math.min(events, quick ? 50_000 : 100_000);
  const naiveSeconds = quick ? 10 : 20;
  const rates = flag('rates', '') !== '' ? flag('rates', '').split(',').map(Number) : quick ? [1000, 5000] : [1000, 5000, 20_000];
  // Long enough to be steady, short enough that two instances do not run out of pre-filled events.
  const scaleOut = quick ? { settleSeconds: 4, windowSeconds: 6 } : { settleSeconds: 10, windowSeconds: 40 };
  // Before its paced inputs, each latency phase's process works through `warmEvents` at full speed,
  // so that what is measured is a process whose code the JIT has compiled, as in production hours
  // after a start, not the first seconds of one.
  const phase = quick ? { seconds: 8, warmupSeconds: 2, drainSeconds: 5, warmEvents: 15_000 } : { seconds: 15, warmupSeconds: 3, drainSeconds: 10, warmEvents: 30_000 };

  const endpoints = await connectOrStartLocal();
  // Triton for the remote rows, on free ports, serving `scorestream models export` of models/.
  const server = scenarios.some((r) => r.remote === true) ? await InferenceServer.create(exportRepository()) : undefined;
  if (server) await server.start();
  const envOf = (r: Run): Record<string, string> => (r.remote && server ? { ...r.env, SCORESTREAM_MODELS_BACKEND: 'remote', SCORESTREAM_MODELS_REMOTE_URL: server.url } : r.env);
  const kafka = createKafka({ brokers: endpoints.brokers, clientId: 'bench' });
  const admin = kafka.admin();
  await admin.connect();
  const registry = new SchemaRegistry({ host: endpoints.registryUrl });
  const id = randomUUID().slice(0, 6);
  const prefix = `bench.${id}.`;
  const names = topicNames(`bench-${id}`, prefix);
  const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    versions: versions(),
    events,
    reps,
    partitions: PARTITIONS,
    prefillSeconds: 0,
    complete: false,
    throughput: [],
    variants: [],
    latency: [],
    scaleOut: [],
  };
  const outDir = path.join(__dirname, 'results');
  // Only a full run (all three parts, every variant, no profiler) takes the date's name; a narrowed
  // run must not overwrite the figures the README quotes.
  const narrowed = parts.some((p) => !only.has(p)) || scenarios.length < defaultRuns.length || scenarios.some((r) => r.optIn === true) || flag('rates', '') !== '' || flag('variants', '') !== '' || profileDir !== undefined;
  const tag = quick ? '-quick' : narrowed ? `-partial-${results.date.slice(11, 19).replace(/:/g, '')}` : '';
  const file = path.join(outDir, narrowed || quick ? 'tmp' : '', `throughput-${results.date.slice(0, 10)}${tag}.json`);
  // Written after every measurement, so that a run cut short keeps what it measured.
  const save = (): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  };
  const sampleFile = path.join(os.tmpdir(), `bench-${id}-io-sample.json`);
  const run = async (scenario: ScenarioName, target: number, maxSeconds: number, env: Record<string, string>, client?: Run['client']): Promise<Measured> => {
    const group = `g${randomUUID().slice(0, 8)}`;
    const req: ScenarioRequest = { scenario, brokers: endpoints.brokers, registryUrl: endpoints.registryUrl, prefix, group, target, maxSeconds, env, ...(scenario === 'io-floor' ? { sample: sampleFile } : {}), ...(client ? { client } : {}) };
    const broker0 = brokerCpuSeconds();
    const child = startScenario(req, profileDir && scenario === 'pipeline' ? profileDir : undefined);
    try {
      const report = await child.report;
      const brokerCpu = brokerPer1k(broker0, report.records);
      await child.exited;
      if (scenario === 'pipeline' && target === events && env.SCORESTREAM_PROCESSING_THREADS === undefined) {
        const outs = runOutputs(prefix, group);
        writeSample(sampleFile, await sampleRun(kafka, admin, [outs.lead_scorer, outs.property_matcher, outs.churn_predictor], topicNames(group, prefix).changelog, report.records));
      }
      return { ...report, brokerCpuSecondsPer1k: brokerCpu };
    } finally {
      await deleteRunTopics(admin, group);
    }
  };
  log(`generating ${events.toLocaleString()} events`);
  // Latency phases take their inputs from the same history, as many as the highest rate needs.
  const history = orderedHistory(Math.max(events, phase.warmEvents + Math.max(...rates) * phase.seconds), 7);
  try {
    await createTopics(admin, registry, names, PARTITIONS, 1);
    results.prefillSeconds = await prefill(kafka, registry, names, history.events.slice(0, events), history.properties);
    log(`pre-filled ${events.toLocaleString()} events in ${results.prefillSeconds.toFixed(1)} s`);

    if (only.has('throughput')) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const r0 of scenarios) {
          const { scenario, label, client } = r0;
          const r = await run(scenario, scenario === 'naive' ? 0 : events, scenario === 'naive' ? naiveSeconds : 0, envOf(r0), client);
          results.throughput.push({ rep, label, ...r });
          save();
          log(`throughput rep ${rep} ${label}: ${r.records} records, ${Math.round(r.eventsPerSecond)} events/s, ${r.cpuSecondsPer1k.toFixed(3)} CPU s/1k, peak RSS ${r.peakRssMiB} MiB, RSS/heap/external by tenth ${[r.rssByDecile, r.heapByDecile, r.externalByDecile].map((d) => d?.join(' ')).join(' | ')}`);
        }
      }
    }
    if (only.has('variants')) {
      const variants: Variant[] = [
        { name: 'defaults (INT8)', env: {} },
        { name: 'fp32', env: { SCORESTREAM_MODELS_PRECISION: 'fp32' } },
        { name: 'result cache on (100,000 entries)', env: { SCORESTREAM_CACHE_MAX_ENTRIES: '100000' } },
        { name: 'at least once (no transactions)', env: { SCORESTREAM_PROCESSING_GUARANTEE: 'at_least_once' } },
        ...[128, 2048, 8192].map((n) => ({ name: `batch.maxRecords ${n}`, env: { SCORESTREAM_BATCH_MAX_RECORDS: String(n) } })),
        ...[0, 20, 50].map((ms) => ({ name: `batch.lingerMs ${ms}`, env: { SCORESTREAM_BATCH_LINGER_MS: String(ms) } })),
        ...['lz4', 'snappy', 'none'].map((codec) => ({ name: `kafka.compression ${codec}`, env: { SCORESTREAM_KAFKA_COMPRESSION: codec } })),
        { name: 'models.inference inline', env: { SCORESTREAM_MODELS_INFERENCE: 'inline' } },
        { name: 'processing.threads 2', env: { SCORESTREAM_PROCESSING_THREADS: '2' } },
        { name: 'processing.threads 2, models.inference inline', env: { SCORESTREAM_PROCESSING_THREADS: '2', SCORESTREAM_MODELS_INFERENCE: 'inline' } },
      ];
      const pick = flag('variants', '');
      for (let rep = 1; rep <= reps; rep++) {
        for (const v of variants.filter((x) => pick === '' || pick.split(',').some((p) => x.name.includes(p)))) {
          const r = await run('pipeline', variantEvents, 0, { ...PIPELINE_ENV, ...v.env });
          results.variants.push({ rep, variant: v.name, env: v.env, ...r });
          save();
          log(`variant rep ${rep} ${v.name}: ${Math.round(r.eventsPerSecond)} events/s, ${r.cpuSecondsPer1k.toFixed(3)} CPU s/1k, batch ${r.meanBatchSize.toFixed(0)}, cache hits ${r.cacheHitRate === null ? '-' : (100 * r.cacheHitRate).toFixed(1)}%`);
        }
      }
    }
    if (only.has('scaleout')) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const instances of [1, 2]) {
          const r = await scaleOutRun(instances, rep);
          results.scaleOut.push(r);
          save();
          log(`scale-out rep ${rep} ${instances} instance(s): ${r.records} records in ${r.windowSeconds} s, ${Math.round(r.eventsPerSecond)} events/s, ${r.cpuSecondsPer1k.toFixed(3)} CPU s/1k`);
        }
      }
    }
    if (only.has('latency')) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const r0 of scenarios.filter((x) => x.scenario !== 'io-floor' && x.client === undefined)) {
          const { scenario, label } = r0;
          for (const rate of rates) {
            const r = await latencyPhase(scenario, envOf(r0), rate);
            results.latency.push({ rep, scenario, label, ...r });
            save();
            log(`latency rep ${rep} ${label} at ${rate}/s: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms, ${r.delivered}/${r.measured} delivered`);
          }
        }
      }
    }
  } finally {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await release(endpoints);
    await server?.close();
    fs.rmSync(sampleFile, { force: true });
  }
  results.complete = true;
  save();
  console.log(`\n${renderMarkdown(results)}\nwritten: ${path.relative(process.cwd(), file)}`);

  /**
   * `instances` pipelines in one group over the pre-filled topics, started one after another,
   * each once the one before is ready; the window starts on all of them once the last is ready and
   * the group has settled, so that start-up, restore and rebalance are not counted. The single
   * instance goes through the same steps, which makes the two comparable.
   */
  async function scaleOutRun(instances: number, rep: number): Promise<ScaleOutResult> {
    const group = `g${randomUUID().slice(0, 8)}`;
    const req: ScenarioRequest = { scenario: 'pipeline', brokers: endpoints.brokers, registryUrl: endpoints.registryUrl, prefix, group, target: 0, maxSeconds: 0, env: PIPELINE_ENV };
    const children: ScenarioChild[] = [];
    try {
      for (let i = 0; i < instances; i++) {
        const child = startScenario(req);
        children.push(child);
        await Promise.race([child.ready, child.report]);
      }
      await sleep(scaleOut.settleSeconds * 1000);
      const broker0 = brokerCpuSeconds();
      children.forEach((c) => c.restartWindow());
      await sleep(scaleOut.windowSeconds * 1000);
      children.forEach((c) => c.stop());
      const reports = await Promise.all(children.map((c) => c.report));
      const records = reports.reduce((n, r) => n + r.records, 0);
      const brokerCpu = brokerPer1k(broker0, records);
      await Promise.all(children.map((c) => c.exited));
      return {
        rep,
        instances,
        windowSeconds: scaleOut.windowSeconds,
        records,
        eventsPerSecond: reports.reduce((n, r) => n + r.eventsPerSecond, 0),
        cpuSecondsPer1k: records > 0 ? reports.reduce((n, r) => n + r.cpuSecondsPer1k * r.records, 0) / records : 0,
        brokerCpuSecondsPer1k: brokerCpu ?? Number.NaN,
        peakRssMiB: Math.max(...reports.map((r) => r.peakRssMiB)),
        reports: reports.map((r) => ({ ...r, brokerCpuSecondsPer1k: null })),
      };
    } finally {
      children.forEach((c) => c.stop());
      await deleteRunTopics(admin, group);
    }
  }

  /** One latency cell: fresh topics, the scenario started and ready, then inputs at `rate`. */
  async function latencyPhase(scenario: ScenarioName, env: Record<string, string>, rate: number): Promise<LatencyResult & { report: Measured }> {
    const phasePrefix = `${prefix}l${randomUUID().slice(0, 6)}.`;
    const phaseNames = topicNames(`bench-${id}`, phasePrefix);
    await withRetries(() => createTopics(admin, registry, phaseNames, PARTITIONS, 1));
    const warm = history.events.slice(0, phase.warmEvents);
    await prefill(kafka, registry, phaseNames, warm, history.properties);
    const group = `g${randomUUID().slice(0, 8)}`;
    const child = startScenario({ scenario, brokers: endpoints.brokers, registryUrl: endpoints.registryUrl, prefix: phasePrefix, group, target: 0, maxSeconds: 0, env }, profileDir && scenario === 'pipeline' ? profileDir : undefined);
    try {
      await Promise.race([child.ready, child.report]);
      if (!(await waitCaughtUp(admin, group, [phaseNames.lead, phaseNames.engagement], 180_000))) throw new Error(`${scenario} did not work through the ${warm.length} warm-up events within 180 s`);
      const outs = runOutputs(phasePrefix, group);
      const output = scenario === 'passthrough' ? outs.copy : outs.lead_scorer;
      // The scenario's own figures (CPU, stages) and the broker's CPU start again with the measured records.
      let brokerAtWarm: number | undefined;
      const measured = await measureLatency(kafka, registry, phaseNames, output, history.events.slice(warm.length), {
        rate,
        partitions: PARTITIONS,
        ...phase,
        onWarm: () => {
          child.restartWindow();
          brokerAtWarm = brokerCpuSeconds();
        },
      });
      child.stop();
      const report = await child.report;
      const brokerCpu = brokerPer1k(brokerAtWarm, report.records);
      await child.exited;
      return { ...measured, report: { ...report, brokerCpuSecondsPer1k: brokerCpu } };
    } finally {
      child.stop();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(phasePrefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
  }
}

/** Broker CPU seconds per 1,000 events since `before` (a throughput run's start, start-up included; a latency phase's warm-up end). */
function brokerPer1k(before: number | undefined, records: number): number | null {
  const after = brokerCpuSeconds();
  return before === undefined || after === undefined || records === 0 ? null : ((after - before) / records) * 1000;
}

async function deleteRunTopics(admin: Admin, group: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.includes(group));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
}

function versions(): Record<string, string> {
  const root = path.resolve(__dirname, '..');
  const version = (pkg: string): string => (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const ckjs = librdkafkaVersion();
  return { kafkajs: version('kafkajs'), 'onnxruntime-node': version('onnxruntime-node'), '@nxtedition/rocksdb': version('@nxtedition/rocksdb'), ...(ckjs ? { '@confluentinc/kafka-javascript': ckjs } : {}) };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
