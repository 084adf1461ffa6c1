import type { KafkaMessage } from 'kafkajs';
import type { ChurnRisk, LeadScore, PropertyMatches } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { latestShipped, servedSha256 } from '../../helpers/models';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * (a) Mixed lead and engagement events through the real processor, broker, registry, RocksDB and
 * ONNX Runtime: a read_committed consumer sees exactly one output per (input record, model), every
 * header is present and right, and every score equals scoring the same feature rows directly.
 * Lead events are produced first and engagement events after them, so the order in which each
 * lead's events were applied is known and the test can rebuild the same rows itself.
 */
jest.setTimeout(300_000);

describe('the processor, exactly once', () => {
  const pipe = new TestPipeline();
  const history = generateHistory({ leads: 380, seed: 11 });
  const { leadEvents, engagementEvents } = history;
  const total = leadEvents.length + engagementEvents.length;

  beforeAll(async () => {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
    await pipe.startProcessor();
    await pipe.produce(pipe.names.lead, leadEvents);
    await pipe.read(pipe.names.outputs.lead_scorer, leadEvents.length);
    await pipe.produce(pipe.names.engagement, engagementEvents);
  });
  afterAll(() => pipe.cleanup());

  it(`gives exactly one output per input record and model (${total} records), with every header`, async () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
    const eventTopics = new Map<string, string>([...leadEvents.map((e) => [e.event_id, pipe.names.lead] as const), ...engagementEvents.map((e) => [e.event_id, pipe.names.engagement] as const)]);
    for (const [model, topic] of Object.entries(pipe.names.outputs)) {
      await pipe.read(topic, total);
      const records = await pipe.readAll(topic);
      expect(records).toHaveLength(total);
      const sources = new Set(records.map((m) => `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`));
      expect(sources.size).toBe(total);
      const version = latestShipped(model);
      const sha = servedSha256(model, version);
      for (const m of records) {
        expect([header(m, 'x-model-name'), header(m, 'x-model-version'), header(m, 'x-model-sha256'), header(m, 'x-fallback')]).toEqual([model, version, sha, undefined]);
        expect(eventTopics.get(header(m, 'x-event-id') as string)).toBe(header(m, 'x-source-topic'));
        expect(Number.isNaN(Date.parse(header(m, 'x-scored-at') ?? ''))).toBe(false);
      }
      expect(new Set(records.map((m) => header(m, 'x-event-id'))).size).toBe(total);
    }
  });

  it('scores equal scoring the same feature rows directly through the registry', async () => {
    const expected = await expectedScores(history.propertyEvents, [...leadEvents, ...engagementEvents]);
    const decode = async <T>(m: KafkaMessage): Promise<T> => (await pipe.registry.decode(m.value as Buffer)) as T;
    for (const m of await pipe.read(pipe.names.outputs.lead_scorer, total)) {
      const v = await decode<LeadScore>(m);
      expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
    }
    for (const m of await pipe.read(pipe.names.outputs.churn_predictor, total)) {
      const v = await decode<ChurnRisk>(m);
      expect([v.event_id, v.churn_probability]).toEqual([v.event_id, expected.get(v.event_id)?.churn]);
    }
    for (const m of await pipe.read(pipe.names.outputs.property_matcher, total)) {
      const v = await decode<PropertyMatches>(m);
      expect([v.event_id, v.matches.map((x) => `${x.property_id}:${x.score}`)]).toEqual([v.event_id, expected.get(v.event_id)?.matches]);
    }
  });
});
