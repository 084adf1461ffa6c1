import { Partitioners, type Message } from 'kafkajs';
import client from 'prom-client';
import { loadConfig } from '../config/load';
import { kafkaFromConfig } from '../kafka/client';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import { release } from '../local/connect';
import { sleep } from '../local/wait';
import { createMetrics } from '../ops/metrics';
import { Processor } from '../process/processor';
import type { EngagementEvent, LeadEvent } from '../schemas/types';
import { generateHistory } from '../synth/generate';
import { createTopics } from '../topics/create';
import { topicNames, valueSubject } from '../topics/names';
import { intFlag, parseFlags } from './args';
import { resolveEndpoints } from './endpoints';
import { checkDependencies, checkLocal } from './preflight';
import { guardStop } from './stop-signals';
import { LiveSummary } from './live-summary';

export const DEMO_USAGE = `usage: scorestream demo [--leads N] [--rate EVENTS_PER_S] [--seed S] [--keep-services]
  the main job for a newcomer: starts the local Kafka and registry when none is configured,
  creates the topics, streams a seeded synthetic history (as scorestream generate writes) into
  lead.events and engagement.events at --rate, runs the processor, and prints a live summary every
  2 s until the stream is scored or Ctrl-C; then stops everything it started`;

export async function demoCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const values = parseFlags('demo', args, { leads: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, 'keep-services': { type: 'boolean' }, help: { type: 'boolean' } });
  if (values.help) {
    print(DEMO_USAGE);
    return 0;
  }
  const leads = intFlag('leads', values.leads, 1500, 1, 'demo');
  const rate = intFlag('rate', values.rate, 1500, 1, 'demo');
  const seed = intFlag('seed', values.seed, Date.now() % 1_000_000, 0, 'demo');
  const config = loadConfig();
  print(`scorestream demo: ${leads} synthetic leads streamed at ${rate} events/s; Ctrl-C stops everything`);
  if (config.processingThreads > 1) print(`  processing.threads=${config.processingThreads} is for scorestream run: the demo runs its processor on one thread`);
  const endpoints = await resolveEndpoints(config, print);
  checkLocal(config, (line) => print(`  ${line}`), { models: true });
  const kafka = kafkaFromConfig(config, endpoints.brokers, 'demo');
  const admin = kafka.admin();
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
      if (level !== 'info') print(`  [${level}] ${message}`);
    },
    onRegistryEvent: () => undefined,
  });
  let interrupted = false;
  // Ctrl-C stops the stream and then everything the demo started, within shutdown.timeoutMs; a second Ctrl-C exits at once.
  const guard = guardStop({ command: 'demo', timeoutMs: config.shutdownTimeoutMs, onSignal: () => (interrupted = true) });
  // Idempotent sends are retried without a cap (KafkaJS warns that a cap weakens idempotence).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER } });
  try {
    await checkDependencies(config, endpoints);
    await admin.connect();
    const created = await createTopics(admin, registry, names, config.partitions, config.replicationFactor, access);
    print(`  topics: ${created.created.length} created, ${created.existing.length} already there; schemas registered`);
    const history = generateHistory({ leads, seed });
    const ids = { property: await registry.getLatestSchemaId(valueSubject(names.property)), lead: await registry.getLatestSchemaId(valueSubject(names.lead)), engagement: await registry.getLatestSchemaId(valueSubject(names.engagement)) };
    await producer.connect();
    for (let i = 0; i < history.propertyEvents.length; i += 1000) {
      const chunk = history.propertyEvents.slice(i, i + 1000);
      await producer.send({ topic: names.property, messages: await Promise.all(chunk.map(async (e) => ({ key: e.property_id, value: await registry.encode(ids.property, e) }))) });
    }
    print(`  ${history.propertyEvents.length} property events written; starting the processor`);
    await processor.start();
    const stream = [...history.leadEvents.map((e) => ({ topic: names.lead, id: ids.lead, e })), ...history.engagementEvents.map((e) => ({ topic: names.engagement, id: ids.engagement, e }))].sort(
      (a, b) => a.e.occurred_at - b.e.occurred_at,
    );
    const models = (): string =>
      processor
        .health()
        .models.map((m) => `${m.model} ${m.version ?? 'fallback'}`)
        .join(', ');
    const cacheRate = (): number | undefined => {
      const stats = processor.cacheStats();
      return stats.hits + stats.misses === 0 ? undefined : stats.hits / (stats.hits + stats.misses);
    };
    const ticker = setInterval(() => print(summary.line(cacheRate(), models())), 2000);
    try {
      // Paced in 100 ms slices; event time stays the generator's, the record timestamp is now.
      const slice = Math.max(1, Math.round(rate / 10));
      for (let i = 0; i < stream.length && !interrupted; i += slice) {
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
      while (!interrupted && summary.recordsIn < summary.produced) await sleep(200);
    } finally {
      clearInterval(ticker);
    }
    print(summary.line(cacheRate(), models()));
    print(interrupted ? 'scorestream demo: interrupted; stopping' : `scorestream demo: all ${summary.produced.toLocaleString('en-US')} events scored; stopping`);
    return 0;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await processor.stop();
    await admin.disconnect().catch(() => undefined);
    // The local services' own stop is not bounded here: Ctrl-C during it ends the demo at once.
    guard.dispose();
    if (values['keep-services']) print('  --keep-services: the local services keep running (scorestream services down stops them)');
    else await release(endpoints);
  }
}
