import type http from 'node:http';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import client from 'prom-client';
import type { Config } from '../config/schema';
import { loadConfig } from '../config/load';
import { errorMessage, isScorestreamError } from '../errors';
import { kafkaFromConfig } from '../kafka/client';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import type { ServiceName } from '../local/artifacts';
import { release, type Endpoints } from '../local/connect';
import { localServicesOptions, type LocalServicesOptions } from '../local/options';
import { runningServices, servicesDown, signalServices } from '../local/services';
import { sleep } from '../local/wait';
import { startHttpServer } from '../ops/http-server';
import { createMetrics } from '../ops/metrics';
import { Processor } from '../process/processor';
import type { ChurnRisk, EngagementEvent, LeadEvent, LeadScore, PropertyMatches } from '../schemas/types';
import { generateHistory } from '../synth/generate';
import { tailTopic } from '../tail/topic-reader';
import { createTopics } from '../topics/create';
import { topicNames, valueSubject, type TopicNames } from '../topics/names';
import { intFlag, parseFlags } from './args';
import { demoDisplay, type DemoDisplay } from './demo-display';
import { downloadLine, plainDownloadProgress } from './download-progress';
import { resolveEndpoints } from './endpoints';
import { emptyOutputs, hottestLeadsTable, keepLatest, type LeadOutputs } from './hottest-leads';
import { LiveSummary } from './live-summary';
import { checkDependencies, checkLocal } from './preflight';
import { guardStop } from './stop-signals';

export const DEMO_USAGE = `usage: scorestream demo [--leads N] [--rate EVENTS_PER_S] [--seed S] [--keep-services | --stop-services]
  the main job for a newcomer: starts the local Kafka and registry when none is configured
  (downloading them once, with progress), creates the topics, streams a seeded synthetic history
  into lead.events and engagement.events at --rate, runs the processor (with /metrics on
  http.port), and shows its progress (in place on a terminal, a line every 2 s otherwise); at the
  end, the run's hottest leads and the commands to look further (scorestream tail ...).
  The local services it started keep running after a finished run, so the scores can be read
  (scorestream services down stops them; --stop-services stops them at the end). Ctrl-C, SIGTERM
  or SIGHUP stops the processor and every service the demo started (--keep-services: not them)`;

const SERVICES: readonly ServiceName[] = ['kafka', 'registry'];

/** The local services the demo would start: the ones not running before it (none when a cluster is configured). */
function servicesToStart(config: Config): { options: LocalServicesOptions; names: ServiceName[] } | undefined {
  if (config.brokers.length > 0 || config.registryUrl) return undefined;
  const options = localServicesOptions({ ...process.env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined });
  const running = runningServices(options);
  return { options, names: SERVICES.filter((s) => !running.includes(s)) };
}

/** The latest outputs of each lead written since `since` (this run's: the outputs carry the time they were written). */
async function runOutputs(kafka: Kafka, registry: SchemaRegistry, names: TopicNames, appId: string, since: number): Promise<LeadOutputs> {
  const outputs = emptyOutputs();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const read = <T extends { lead_id: string; scored_at: number }>(topic: string, into: Map<string, T>): Promise<number> =>
      tailTopic(kafka, admin, registry, { topic, from: { kind: 'time', ms: since }, follow: false, groupPrefix: appId }, (r) => r.value !== undefined && keepLatest(into, r.value as T), new Promise(() => undefined));
    await Promise.all([
      read<LeadScore>(names.outputs.lead_scorer, outputs.scores),
      read<PropertyMatches>(names.outputs.property_matcher, outputs.matches),
      read<ChurnRisk>(names.outputs.churn_predictor, outputs.churn),
    ]);
    return outputs;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function nextCommands(hottest: string | undefined, metricsUrl: string | undefined, keptServices: boolean): string[] {
  const row = (cmd: string, what: string): string => `  ${cmd.padEnd(42)} ${what}`;
  return [
    'next:',
    row('npx scorestream tail lead.scores --follow', 'scores as they are committed'),
    ...(hottest ? [row(`npx scorestream tail lead.scores --key ${hottest}`, 'one lead')] : []),
    row('npx scorestream tail lead.events.dlq', 'rejected records, and why'),
    row('npx scorestream run', 'the processor, until Ctrl-C'),
    ...(metricsUrl ? [row(`curl -s ${metricsUrl}`, 'its metrics, while it runs')] : []),
    ...(keptServices ? [row('npx scorestream services down', 'stops the local Kafka and registry')] : []),
  ];
}

async function serveMetrics(config: Config, processor: Processor, registry: client.Registry, display: DemoDisplay): Promise<{ server: http.Server; url: string } | undefined> {
  if (config.httpPort === 0) return undefined;
  try {
    const server = await startHttpServer(
      config.httpHost,
      config.httpPort,
      { metrics: () => registry.metrics(), contentType: registry.contentType },
      { health: () => ({ ok: processor.health().ok, detail: processor.health() }), ready: () => processor.isReady },
    );
    const host = config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
    return { server, url: `http://${host}:${config.httpPort}/metrics` };
  } catch (err: unknown) {
    display.line(`  /metrics not served: port ${config.httpPort} (${errorMessage(err)}); set SCORESTREAM_HTTP_PORT to a free port`);
    return undefined;
  }
}

export async function demoCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const values = parseFlags('demo', args, {
    leads: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    'keep-services': { type: 'boolean' },
    'stop-services': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    print(DEMO_USAGE);
    return 0;
  }
  const leads = intFlag('leads', values.leads, 1500, 1, 'demo');
  const rate = intFlag('rate', values.rate, 1500, 1, 'demo');
  const seed = intFlag('seed', values.seed, Date.now() % 1_000_000, 0, 'demo');
  const config = loadConfig();
  const display = demoDisplay(process.stdout);
  const say = (line: string): void => display.line(line);
  say(`scorestream demo: ${leads} synthetic leads at ${rate} events/s; Ctrl-C stops everything`);
  if (config.processingThreads > 1) say(`  processing.threads=${config.processingThreads} is for scorestream run: the demo runs its processor on one thread`);

  // Signals are handled from the first moment: a Ctrl-C during the download or the start of the
  // services must stop them too. When the stop runs out of time (or a second signal comes), the
  // services are sent SIGTERM on the way out, so none outlives the demo.
  const local = servicesToStart(config);
  const stopServicesOnSignal = !values['keep-services'] && local !== undefined && local.names.length > 0;
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const guard = guardStop({
    command: 'demo',
    timeoutMs: config.shutdownTimeoutMs,
    signals: ['SIGINT', 'SIGTERM', 'SIGHUP'],
    onSignal: (signal) => {
      interrupted = signal;
      abort.abort();
    },
    exit: (code) => {
      if (stopServicesOnSignal) signalServices(local.options, local.names);
      process.exit(code);
    },
  });

  let endpoints: Endpoints | undefined;
  let processor: Processor | undefined;
  let metricsServer: http.Server | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  let code = 0;
  let completed = false;
  try {
    endpoints = await resolveEndpoints(config, say, { signal: abort.signal, onDownload: process.stdout.isTTY ? (p) => display.live([downloadLine(p)]) : plainDownloadProgress(say) });
    display.close();
    if (interrupted) return 0;
    code = await runDemo(config, endpoints, { leads, rate, seed }, display, {
      interrupted: () => interrupted !== undefined,
      onProcessor: (p) => (processor = p),
      onCleanup: (c) => cleanups.push(c),
      onMetricsServer: (s) => (metricsServer = s),
      keptServices: local !== undefined && local.names.length > 0 && !values['stop-services'],
    });
    completed = !interrupted;
    return code;
  } catch (err: unknown) {
    // What a signal interrupted (a download, a start, a request) is not an error of its own.
    if (interrupted && (isScorestreamError(err, 'INTERRUPTED') || abort.signal.aborted)) {
      say(`scorestream demo: ${interrupted}: stopped while starting (${errorMessage(err).split('\n')[0]})`);
      return 0;
    }
    throw err;
  } finally {
    display.close();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await processor?.stop().catch(() => undefined);
    if (metricsServer) {
      // A scraper's keep-alive connection must not hold the stop: closed with the listener.
      const server: http.Server = metricsServer;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    // A finished run leaves what it started running, to be read; a stopped or failed one does not.
    const stop = interrupted ? stopServicesOnSignal : completed ? values['stop-services'] === true : !values['keep-services'];
    if (local && stop) {
      say(`scorestream demo: stopping the local services it started (${local.names.join(', ')})`);
      // A start that was under way may have left a JVM the endpoints do not name yet: stop them by name.
      await servicesDown(local.options, local.names);
    } else if (endpoints && local && local.names.length > 0) {
      say('  the local Kafka and registry keep running: scorestream services down stops them');
    } else if (endpoints && !local) {
      await release(endpoints);
    }
    guard.dispose();
  }
}

interface RunHooks {
  interrupted(): boolean;
  onProcessor(p: Processor): void;
  onCleanup(c: () => Promise<void>): void;
  onMetricsServer(s: http.Server): void;
  readonly keptServices: boolean;
}

async function runDemo(config: Config, endpoints: Endpoints, o: { leads: number; rate: number; seed: number }, display: DemoDisplay, hooks: RunHooks): Promise<number> {
  const say = (line: string): void => display.line(line);
  checkLocal(config, (line) => say(`  ${line}`), { models: true });
  const kafka = kafkaFromConfig(config, endpoints.brokers, 'demo');
  const admin = kafka.admin();
  hooks.onCleanup(() => admin.disconnect());
  const access = registryAccess(config, endpoints.registryUrl);
  const registry = schemaRegistryClient(access);
  const names = topicNames(config.appId, config.topicPrefix);
  const summary = new LiveSummary();
  const metrics = createMetrics(new client.Registry());
  const processor = new Processor(config, kafka, endpoints.registryUrl, {
    metrics,
    onBatch: (_partition, r) => {
      summary.recordsIn += r.records;
      summary.outputs += r.scored * 3;
      summary.dlq += r.dlq.length;
      const now = Date.now();
      summary.addLatencies(r.inputTimes.map((t) => now - t));
    },
    onLog: (level, message) => {
      if (level !== 'info') say(`  [${level}] ${message}`);
    },
    onRegistryEvent: () => undefined,
  });
  hooks.onProcessor(processor);
  // Idempotent sends are retried without a cap (KafkaJS warns that a cap weakens idempotence).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER } });
  hooks.onCleanup(() => producer.disconnect());
  await checkDependencies(config, endpoints);
  await admin.connect();
  const created = await createTopics(admin, registry, names, config.partitions, config.replicationFactor, access);
  say(`  topics: ${created.created.length} created, ${created.existing.length} already there; schemas registered`);
  const history = generateHistory({ leads: o.leads, seed: o.seed });
  const ids = { property: await registry.getLatestSchemaId(valueSubject(names.property)), lead: await registry.getLatestSchemaId(valueSubject(names.lead)), engagement: await registry.getLatestSchemaId(valueSubject(names.engagement)) };
  await producer.connect();
  for (let i = 0; i < history.propertyEvents.length && !hooks.interrupted(); i += 1000) {
    const chunk = history.propertyEvents.slice(i, i + 1000);
    await producer.send({ topic: names.property, messages: await Promise.all(chunk.map(async (e) => ({ key: e.property_id, value: await registry.encode(ids.property, e) }))) });
  }
  if (hooks.interrupted()) return 0;
  say(`  ${history.propertyEvents.length} property events written; starting the processor`);
  const startedAt = Date.now();
  await processor.start();
  const served = await serveMetrics(config, processor, metrics.registry, display);
  if (served) {
    hooks.onMetricsServer(served.server);
    say(`  metrics: ${served.url} (while the demo runs)`);
  }
  const stream = [...history.leadEvents.map((e) => ({ topic: names.lead, id: ids.lead, e })), ...history.engagementEvents.map((e) => ({ topic: names.engagement, id: ids.engagement, e }))].sort(
    (a, b) => a.e.occurred_at - b.e.occurred_at,
  );
  const models = (): string =>
    processor
      .health()
      .models.map((m) => `${m.model} ${m.version ?? 'fallback'}`)
      .join(' · ');
  const show = (final = false): void => display.status(summary.status(stream.length, models()), final);
  const ticker = setInterval(() => show(), process.stdout.isTTY ? 500 : 2_000);
  try {
    // Paced in 100 ms slices; event time stays the generator's, the record timestamp is now.
    const slice = Math.max(1, Math.round(o.rate / 10));
    for (let i = 0; i < stream.length && !hooks.interrupted(); i += slice) {
      const t0 = Date.now();
      const part = stream.slice(i, i + slice);
      const byTopic = new Map<string, Message[]>();
      for (const { topic, id, e } of part) {
        const list = byTopic.get(topic) ?? [];
        list.push({ key: e.lead_id, value: await registry.encode(id, e as LeadEvent | EngagementEvent) });
        byTopic.set(topic, list);
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      summary.produced += part.length;
      await sleep(Math.max(0, 100 - (Date.now() - t0)));
    }
    while (!hooks.interrupted() && summary.recordsIn < summary.produced) await sleep(200);
  } finally {
    clearInterval(ticker);
  }
  show(true);
  display.close();
  if (hooks.interrupted()) {
    say('scorestream demo: interrupted; stopping');
    return 0;
  }
  say(`scorestream demo: all ${summary.produced.toLocaleString('en-US')} events scored`);
  const outputs = await runOutputs(kafka, registry, names, config.appId, startedAt);
  say('');
  for (const line of hottestLeadsTable(outputs)) say(line);
  const hottest = [...outputs.scores.values()].sort((a, b) => b.conversion_probability - a.conversion_probability)[0]?.lead_id;
  say('');
  for (const line of nextCommands(hottest, config.httpPort > 0 ? `http://127.0.0.1:${config.httpPort}/metrics` : undefined, hooks.keptServices)) say(line);
  return 0;
}
