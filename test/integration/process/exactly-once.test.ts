import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../../src/config/load';
import { candidates } from '../../../src/features/candidates';
import { AREA_CENTERS } from '../../../src/features/export';
import { leadFeatures } from '../../../src/features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../../../src/features/lead-state';
import { matchFeatures } from '../../../src/features/match-features';
import { PropertyTable } from '../../../src/features/property-table';
import { MAX_CANDIDATES } from '../../../src/features/candidates';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { createKafka } from '../../../src/kafka/client';
import { readTopic } from '../../../src/kafka/read-topic';
import { Processor } from '../../../src/process/processor';
import { ModelRegistry } from '../../../src/registry/registry';
import type { ChurnRisk, EngagementEvent, LeadEvent, LeadScore, PropertyMatches } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { createTopics } from '../../../src/topics/create';
import { topicNames, valueSubject } from '../../../src/topics/names';
import { MODELS_DIR } from '../../helpers/models';
import { produceEncoded } from '../../helpers/produce';
import { testEndpoints } from '../../helpers/services';

/**
 * (a) Mixed lead and engagement events through the real processor, broker, registry, RocksDB and
 * ONNX Runtime: a read_committed consumer sees exactly one output per (input record, model), every
 * header is present and right, and every score equals scoring the same feature rows directly.
 * Lead events are produced first and engagement events after them, so the order in which each
 * lead's events were applied is known and the test can rebuild the same rows itself.
 */
jest.setTimeout(300_000);

describe('the processor, exactly once', () => {
  const { brokers, registryUrl } = testEndpoints();
  const id = randomUUID().slice(0, 8);
  const names = topicNames(`t${id}`, `test.${id}.`);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-eos-'));
  const config = loadConfig({
    env: {
      SCORESTREAM_APP_ID: `t${id}`,
      SCORESTREAM_TOPICS_PREFIX: `test.${id}.`,
      SCORESTREAM_TOPICS_PARTITIONS: '2',
      SCORESTREAM_STATE_DIR: stateDir,
      SCORESTREAM_MODELS_DIR: MODELS_DIR,
      SCORESTREAM_HTTP_PORT: '0',
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
    },
  });
  const kafka = createKafka({ brokers, clientId: 'test-eos' });
  const admin = kafka.admin();
  const registry = new SchemaRegistry({ host: registryUrl });
  const history = generateHistory({ leads: 380, seed: 11 });
  const leadEvents = history.leadEvents;
  const engagementEvents = history.engagementEvents;
  const total = leadEvents.length + engagementEvents.length;
  let processor: Processor;

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, registry, names, 2, 1);
    const ids = async (t: string): Promise<number> => registry.getLatestSchemaId(valueSubject(t));
    await produceEncoded(kafka, registry, await ids(names.property), names.property, history.propertyEvents, (e) => e.property_id);
    processor = new Processor(config, kafka, registryUrl, { onLog: () => undefined, onRegistryEvent: () => undefined });
    await processor.start();
    await produceEncoded(kafka, registry, await ids(names.lead), names.lead, leadEvents, (e) => e.lead_id);
    await readTopic(kafka, { topic: names.outputs.lead_scorer, groupId: `${names.lead}-wait`, readCommitted: true, until: (r) => r.length >= leadEvents.length, timeoutMs: 240_000 });
    await produceEncoded(kafka, registry, await ids(names.engagement), names.engagement, engagementEvents, (e) => e.lead_id);
  });

  afterAll(async () => {
    await processor?.stop();
    const all = [...names.inputs, ...Object.values(names.outputs), ...names.inputs.map(names.dlq), names.changelog];
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    for (const t of names.valueSchemas.keys()) for (const q of ['', '?permanent=true']) await fetch(`${registryUrl}/subjects/${valueSubject(t)}${q}`, { method: 'DELETE' });
    await admin.disconnect();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const readAll = (topic: string): Promise<KafkaMessage[]> =>
    readTopic(kafka, { topic, groupId: `${topic}-check-${randomUUID().slice(0, 6)}`, readCommitted: true, until: (r) => r.length >= total, timeoutMs: 240_000 });
  const header = (m: KafkaMessage, name: string): string | undefined => m.headers?.[name]?.toString();

  it(`gives exactly one output per input record and model (${total} records), with every header`, async () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
    const eventIds = new Map<string, string>([...leadEvents.map((e) => [e.event_id, names.lead] as const), ...engagementEvents.map((e) => [e.event_id, names.engagement] as const)]);
    for (const [model, topic] of Object.entries(names.outputs)) {
      const records = await readAll(topic);
      // Nothing more arrives after the expected count: give stragglers a moment, then read again.
      expect(records).toHaveLength(total);
      const sources = new Set(records.map((m) => `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`));
      expect(sources.size).toBe(total);
      const sha = createHash('sha256').update(fs.readFileSync(path.join(MODELS_DIR, model, '1.0.0', 'model.onnx'))).digest('hex');
      for (const m of records) {
        expect([header(m, 'x-model-name'), header(m, 'x-model-version'), header(m, 'x-model-sha256'), header(m, 'x-fallback')]).toEqual([model, '1.0.0', sha, undefined]);
        const eventId = header(m, 'x-event-id') as string;
        expect(eventIds.get(eventId)).toBe(header(m, 'x-source-topic'));
        expect(Number.isNaN(Date.parse(header(m, 'x-scored-at') ?? ''))).toBe(false);
      }
      expect(new Set(records.map((m) => header(m, 'x-event-id'))).size).toBe(total);
    }
  });

  it('scores equal scoring the same feature rows directly through the registry', async () => {
    const direct = new ModelRegistry(
      { modelsDir: MODELS_DIR, versions: { lead_scorer: 'latest', property_matcher: 'latest', churn_predictor: 'latest' }, precision: 'fp32', session: { provider: 'cpu', intraOpThreads: 1 }, breaker: { failureThreshold: 5, cooldownMs: 1000 }, onEvent: () => undefined },
      new MainThreadInference(),
    );
    await direct.start();
    const table = new PropertyTable();
    for (const e of history.propertyEvents) table.apply(e);
    const expected = new Map<string, { lead: number; churn: number; matches: string[] }>();
    const states = new Map<string, LeadState>();
    const step = async (e: LeadEvent | EngagementEvent, next: LeadState): Promise<void> => {
      states.set(e.lead_id, next);
      const row = leadFeatures(next, e.occurred_at);
      if (!row.ok) throw new Error(row.message);
      const listings = candidates(next, table, e.occurred_at, MAX_CANDIDATES);
      const rows = listings.map((l) => matchFeatures(next, l, e.occurred_at, AREA_CENTERS));
      const flat = Float32Array.from(rows.flatMap((r) => (r.ok ? Array.from(r.row) : [])));
      const matches = (await direct.score('property_matcher', flat, listings.length)).scores;
      const ranked = listings.map((l, i) => ({ id: l.property_id, s: matches[i] as number })).sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1));
      expected.set(e.event_id, {
        lead: (await direct.score('lead_scorer', row.row, 1)).scores[0] as number,
        churn: (await direct.score('churn_predictor', row.row, 1)).scores[0] as number,
        matches: ranked.slice(0, 5).map((m) => `${m.id}:${m.s}`),
      });
    };
    for (const e of leadEvents) await step(e, applyLeadEvent(states.get(e.lead_id), e));
    for (const e of engagementEvents) await step(e, applyEngagementEvent(states.get(e.lead_id), e));
    await direct.close();

    const decode = async <T>(m: KafkaMessage): Promise<T> => (await registry.decode(m.value as Buffer)) as T;
    for (const m of await readAll(names.outputs.lead_scorer)) {
      const v = await decode<LeadScore>(m);
      expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
    }
    for (const m of await readAll(names.outputs.churn_predictor)) {
      const v = await decode<ChurnRisk>(m);
      expect([v.event_id, v.churn_probability]).toEqual([v.event_id, expected.get(v.event_id)?.churn]);
    }
    for (const m of await readAll(names.outputs.property_matcher)) {
      const v = await decode<PropertyMatches>(m);
      expect([v.event_id, v.matches.map((x) => `${x.property_id}:${x.score}`)]).toEqual([v.event_id, expected.get(v.event_id)?.matches]);
    }
  });
});
