import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type Admin, type Kafka, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { candidates } from '../../src/features/candidates';
import { leadFeatures } from '../../src/features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../src/features/lead-state';
import { matchFeatures } from '../../src/features/match-features';
import { PropertyTable } from '../../src/features/property-table';
import { MainThreadInference } from '../../src/infer/main-thread-inference';
import { createKafka } from '../../src/kafka/client';
import { readToEnd, readTopic } from './read-topic';
import { Processor } from '../../src/process/processor';
import { ModelRegistry } from '../../src/registry/registry';
import type { EngagementEvent, LeadEvent, PropertyEvent } from '../../src/schemas/types';
import { createTopics } from '../../src/topics/create';
import { topicNames, valueSubject, type TopicNames } from '../../src/topics/names';
import { MODELS_DIR } from './models';
import { produceEncoded } from './produce';
import { testEndpoints } from './services';

/**
 * A scratch deployment for processor tests: its own topic prefix, app id and state directory on
 * the shared broker and registry, topics created, and everything removed at `cleanup`.
 */
export class TestPipeline {
  readonly id = randomUUID().slice(0, 8);
  readonly names: TopicNames;
  readonly stateDir: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registry: SchemaRegistry;
  readonly brokers: string[];
  readonly registryUrl: string;
  private readonly processors: Processor[] = [];

  /** `brokers`: another cluster than the shared test broker (a test's own, which it may stop); the registry stays the shared one. */
  constructor(brokers?: readonly string[]) {
    const endpoints = testEndpoints();
    this.brokers = brokers ? [...brokers] : endpoints.brokers;
    this.registryUrl = endpoints.registryUrl;
    this.names = topicNames(`t${this.id}`, `test.${this.id}.`);
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-pipe-'));
    this.kafka = createKafka({ brokers: this.brokers, clientId: `test-${this.id}` });
    this.admin = this.kafka.admin();
    this.registry = new SchemaRegistry({ host: this.registryUrl });
  }

  /** The environment of this deployment (for a child process, or loadConfig), with `extra` on top. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      SCORESTREAM_APP_ID: `t${this.id}`,
      SCORESTREAM_TOPICS_PREFIX: `test.${this.id}.`,
      SCORESTREAM_TOPICS_PARTITIONS: '2',
      SCORESTREAM_STATE_DIR: this.stateDir,
      SCORESTREAM_MODELS_DIR: MODELS_DIR,
      SCORESTREAM_HTTP_PORT: '0',
      KAFKA_BROKERS: this.brokers.join(','),
      SCHEMA_REGISTRY_URL: this.registryUrl,
      // The remote column of the test matrix (jest.remote.config.js): in-process processors too.
      ...(process.env.SCORESTREAM_MODELS_BACKEND === 'remote' && process.env.SCORESTREAM_MODELS_REMOTE_URL
        ? { SCORESTREAM_MODELS_BACKEND: 'remote', SCORESTREAM_MODELS_REMOTE_URL: process.env.SCORESTREAM_MODELS_REMOTE_URL }
        : {}),
      ...extra,
    };
  }

  config(env: Record<string, string> = {}): Config {
    return loadConfig({ env: this.env(env) });
  }

  async setUp(): Promise<void> {
    await this.admin.connect();
    await createTopics(this.admin, this.registry, this.names, 2, 1);
  }

  async startProcessor(env: Record<string, string> = {}, logs: string[] = []): Promise<Processor> {
    const config = this.config(env);
    const p = new Processor(config, this.kafka, config.registryUrl, { onLog: (_level, message) => logs.push(message), onRegistryEvent: () => undefined });
    this.processors.push(p);
    await p.start();
    return p;
  }

  async produce(topic: string, events: readonly (LeadEvent | EngagementEvent | PropertyEvent)[]): Promise<void> {
    const id = await this.registry.getLatestSchemaId(valueSubject(topic));
    await produceEncoded(this.kafka, this.registry, id, topic, events, (e) => ('lead_id' in e ? e.lead_id : e.property_id));
  }

  /**
   * Lead and engagement events in the order given, each stamped one millisecond after the one
   * before, and each visible before any that follows it: the processor's merge then applies them
   * in exactly this order. One request holding both topics would not do: the broker appends its
   * partitions one after the other, and a processor that looks between the two appends sees a
   * later-stamped lead event before an earlier engagement event (late data, applied in arrival
   * order). So each run of consecutive events of one topic is sent, and acknowledged, on its own.
   */
  async produceInOrder(events: readonly (LeadEvent | EngagementEvent)[], base = Date.now()): Promise<number> {
    const ids = { lead: await this.registry.getLatestSchemaId(valueSubject(this.names.lead)), engagement: await this.registry.getLatestSchemaId(valueSubject(this.names.engagement)) };
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < events.length; i += 1000) {
        const chunk = events.slice(i, i + 1000);
        const encoded = await Promise.all(
          chunk.map(async (e, j) => {
            const lead = !('engagement_type' in e);
            const value = await this.registry.encode(lead ? ids.lead : ids.engagement, e);
            return { topic: lead ? this.names.lead : this.names.engagement, message: { key: e.lead_id, value, timestamp: String(base + i + j) } };
          }),
        );
        for (let start = 0; start < encoded.length; ) {
          const topic = (encoded[start] as { topic: string }).topic;
          let end = start + 1;
          while (end < encoded.length && (encoded[end] as { topic: string }).topic === topic) end++;
          await producer.send({ topic, messages: encoded.slice(start, end).map((x) => x.message), acks: -1 });
          start = end;
        }
      }
    } finally {
      await producer.disconnect();
    }
    return base;
  }

  /** Every record of `topic`, read_committed, once `count` have arrived. */
  read(topic: string, count: number, timeoutMs = 240_000): Promise<KafkaMessage[]> {
    return readTopic(this.kafka, { topic, groupId: `${topic}-read-${randomUUID().slice(0, 6)}`, readCommitted: true, until: (r) => r.length >= count, timeoutMs });
  }

  /** Everything `topic` holds now, read_committed, to its end: for exact counts. */
  readAll(topic: string, timeoutMs = 120_000): Promise<KafkaMessage[]> {
    return readToEnd(this.kafka, this.admin, { topic, groupId: `${topic}-all-${randomUUID().slice(0, 6)}`, readCommitted: true, timeoutMs });
  }

  async cleanup(): Promise<void> {
    for (const p of this.processors) await p.stop().catch(() => undefined);
    const all = [...this.names.inputs, ...Object.values(this.names.outputs), ...this.names.inputs.map(this.names.dlq), this.names.changelog];
    await this.admin.deleteTopics({ topics: all }).catch(() => undefined);
    for (const t of this.names.valueSchemas.keys()) for (const q of ['', '?permanent=true']) await fetch(`${this.registryUrl}/subjects/${valueSubject(t)}${q}`, { method: 'DELETE' });
    await this.admin.disconnect();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export const header = (m: KafkaMessage, name: string): string | undefined => m.headers?.[name]?.toString();

/**
 * What the processor must output, computed directly: each lead's events applied in the given
 * order (lead events, then engagement events), features by the same code, scored by a registry
 * of its own in the processor's default precision, one row at a time: the processor's batches must
 * not change a score. Keyed by event id.
 */
export async function expectedScores(
  properties: readonly PropertyEvent[],
  ordered: readonly (LeadEvent | EngagementEvent)[],
  leadScorerVersion = 'latest',
): Promise<Map<string, { lead: number; churn: number; matches: string[] }>> {
  const direct = new ModelRegistry(
    { modelsDir: MODELS_DIR, versions: { lead_scorer: leadScorerVersion, property_matcher: 'latest', churn_predictor: 'latest' }, precision: 'auto', session: { provider: 'cpu', intraOpThreads: 1 }, breaker: { failureThreshold: 5, cooldownMs: 1000 }, onEvent: () => undefined },
    new MainThreadInference(),
  );
  await direct.start();
  const table = new PropertyTable();
  for (const e of properties) table.apply(e);
  const expected = new Map<string, { lead: number; churn: number; matches: string[] }>();
  const states = new Map<string, LeadState>();
  try {
    for (const e of ordered) {
      const next = 'engagement_type' in e ? applyEngagementEvent(states.get(e.lead_id), e) : applyLeadEvent(states.get(e.lead_id), e);
      const row = leadFeatures(next, e.occurred_at);
      if (!row.ok) continue; // the processor sends these to the DLQ and keeps the old state
      states.set(e.lead_id, next);
      const listings = candidates(next, table, e.occurred_at);
      const flat = Float32Array.from(listings.flatMap((l) => {
        const r = matchFeatures(next, l, e.occurred_at, (area, t) => table.areaCenter(area, t));
        return r.ok ? Array.from(r.row) : [];
      }));
      const matches = (await direct.score('property_matcher', flat, listings.length)).scores;
      const ranked = listings.map((l, i) => ({ id: l.property_id, s: matches[i] as number })).sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1));
      expected.set(e.event_id, {
        lead: (await direct.score('lead_scorer', row.row, 1)).scores[0] as number,
        churn: (await direct.score('churn_predictor', row.row, 1)).scores[0] as number,
        matches: ranked.slice(0, 5).map((m) => `${m.id}:${m.s}`),
      });
    }
  } finally {
    await direct.close();
  }
  return expected;
}
