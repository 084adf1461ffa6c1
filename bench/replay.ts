/**
 * Replay figures: the time to rebuild state from N history events before --from, and the
 * re-scoring throughput over the range after it. A seeded history goes to fresh topics (6
 * partitions) in event-time order, with record timestamps one millisecond apart; then
 * `scorestream replay --topic engagement.events --from <time of event N> --model lead_scorer@1.1.0`
 * runs in this process against the local services (started if none run).
 *
 *   npm run bench:replay -- [history=1000000] [range=50000]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import { loadConfig } from '../src/config/load';
import { createKafka } from '../src/kafka/client';
import { connectOrStartLocal, release } from '../src/local/connect';
import { parseBound } from '../src/replay/range';
import { runReplay } from '../src/replay/replay';
import type { EngagementEvent, LeadEvent } from '../src/schemas/types';
import { generateHistory } from '../src/synth/generate';
import { createTopics } from '../src/topics/create';
import { topicNames, valueSubject } from '../src/topics/names';

async function main(): Promise<void> {
  const historyCount = Number(process.argv[2] ?? 1_000_000);
  const rangeCount = Number(process.argv[3] ?? 50_000);
  const endpoints = await connectOrStartLocal();
  const id = randomUUID().slice(0, 6);
  const appId = `bench-${id}`;
  const prefix = `bench.${id}.`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-bench-replay-'));
  const env = { SCORESTREAM_APP_ID: appId, SCORESTREAM_TOPICS_PREFIX: prefix, SCORESTREAM_STATE_DIR: stateDir, SCORESTREAM_HTTP_PORT: '0', KAFKA_BROKERS: endpoints.brokers.join(','), SCHEMA_REGISTRY_URL: endpoints.registryUrl };
  const config = loadConfig({ env });
  const names = topicNames(appId, prefix);
  const kafka = createKafka({ brokers: endpoints.brokers, clientId: 'bench-replay' });
  const admin = kafka.admin();
  await admin.connect();
  const registry = new SchemaRegistry({ host: endpoints.registryUrl });
  try {
    await createTopics(admin, registry, names, 6, 1);
    // About 29 events a lead: enough leads for history + range events.
    const history = generateHistory({ leads: Math.ceil((historyCount + rangeCount) / 22), seed: 7 });
    const ordered: (LeadEvent | EngagementEvent)[] = [...history.leadEvents, ...history.engagementEvents]
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.occurred_at - b.e.occurred_at || a.i - b.i)
      .map((x) => x.e)
      .slice(0, historyCount + rangeCount);
    if (ordered.length < historyCount + rangeCount) throw new Error(`generated only ${ordered.length} events`);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const ids = {
      lead: await registry.getLatestSchemaId(valueSubject(names.lead)),
      engagement: await registry.getLatestSchemaId(valueSubject(names.engagement)),
      property: await registry.getLatestSchemaId(valueSubject(names.property)),
    };
    await producer.send({ topic: names.property, messages: await Promise.all(history.propertyEvents.map(async (e) => ({ key: e.property_id, value: await registry.encode(ids.property, e) }))) });
    const base = Date.now() - ordered.length - 60_000;
    const t0 = Date.now();
    for (let i = 0; i < ordered.length; i += 5000) {
      const chunk = await Promise.all(
        ordered.slice(i, i + 5000).map(async (e, j) => {
          const lead = !('engagement_type' in e);
          return { topic: lead ? names.lead : names.engagement, message: { key: e.lead_id, value: await registry.encode(lead ? ids.lead : ids.engagement, e), timestamp: String(base + i + j) } };
        }),
      );
      await producer.sendBatch({ topicMessages: [names.lead, names.engagement].map((topic) => ({ topic, messages: chunk.filter((c) => c.topic === topic).map((c) => c.message) })), acks: -1 });
    }
    await producer.disconnect();
    console.log(`produced ${ordered.length} events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const engagementHistory = ordered.slice(0, historyCount).filter((e) => 'engagement_type' in e).length;
    const summary = await runReplay(
      config,
      kafka,
      endpoints.registryUrl,
      { topic: 'engagement.events', from: parseBound('--from', new Date(base + historyCount).toISOString()), to: parseBound('--to', 'latest'), model: 'lead_scorer', version: '1.1.0', rate: 0, runId: 'bench', dryRun: false, output: `${prefix}lead.scores.replay` },
      (line) => console.log(line),
    );
    const result = {
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: process.version,
      events: ordered.length,
      historyEvents: historyCount,
      historyEngagementEvents: engagementHistory,
      historyRecordsApplied: summary.historyRecords,
      rebuildSeconds: summary.rebuildSeconds,
      rebuildEventsPerSecond: summary.historyRecords / summary.rebuildSeconds,
      rescored: summary.rescored,
      replaySeconds: summary.replaySeconds,
      replayEventsPerSecond: summary.eventsPerSecond,
    };
    console.log(JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'results', `replay-${new Date().toISOString().slice(0, 10)}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t.includes(appId));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(stateDir, { recursive: true, force: true });
    await release(endpoints);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
