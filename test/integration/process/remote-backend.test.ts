import type { KafkaMessage } from 'kafkajs';
import type { LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { InferenceServer, exportRepository } from '../../helpers/inference-server';
import { latestShipped } from '../../helpers/models';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * The processor with models.backend=remote against a real Triton serving the export of models/:
 * every record is scored exactly once, as the local backend scores it; the server killed mid-stream
 * and started again gives outputs marked x-fallback: remote_unavailable meanwhile (from the
 * rule-based fallback, or with models.remote.fallback=local from the same version in-process, with
 * its scores), then model outputs again, with nothing lost, nothing twice and nothing in the DLQ.
 */
jest.setTimeout(420_000);

describe.each(['rules', 'local'] as const)('the processor with a remote inference server, models.remote.fallback=%s', (fallbackMode) => {
  const pipe = new TestPipeline();
  const history = generateHistory({ leads: 120, seed: 23 });
  const { leadEvents, engagementEvents } = history;
  const total = leadEvents.length + engagementEvents.length;
  let server: InferenceServer;

  beforeAll(async () => {
    server = await InferenceServer.create(exportRepository());
    await server.start();
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
  });
  afterAll(async () => {
    await pipe.cleanup();
    await server.close();
  });

  it(`scores ${'every'} record once through the server, and through its outage with the fallback, marked`, async () => {
    await pipe.startProcessor({
      SCORESTREAM_MODELS_BACKEND: 'remote',
      SCORESTREAM_MODELS_REMOTE_URL: server.url,
      SCORESTREAM_MODELS_REMOTE_TIMEOUT_MS: '1000',
      SCORESTREAM_BREAKER_FAILURE_THRESHOLD: '2',
      SCORESTREAM_BREAKER_COOLDOWN_MS: '1000',
      SCORESTREAM_MODELS_POLL_MS: '500',
      SCORESTREAM_MODELS_REMOTE_FALLBACK: fallbackMode,
    });
    const third = Math.ceil(engagementEvents.length / 3);
    const [before, during, after] = [engagementEvents.slice(0, third), engagementEvents.slice(third, 2 * third), engagementEvents.slice(2 * third)];
    const lead = pipe.names.outputs.lead_scorer;

    await pipe.produce(pipe.names.lead, leadEvents);
    await pipe.produce(pipe.names.engagement, before);
    await pipe.read(lead, leadEvents.length + before.length);

    await server.kill();
    await pipe.produce(pipe.names.engagement, during);
    await pipe.read(lead, leadEvents.length + before.length + during.length);

    await server.start();
    await pipe.produce(pipe.names.engagement, after);
    await pipe.read(lead, total);

    const expected = await expectedScores(history.propertyEvents, [...leadEvents, ...engagementEvents]);
    const phase = new Map<string, 'before' | 'during' | 'after'>([
      ...[...leadEvents, ...before].map((e) => [e.event_id, 'before'] as const),
      ...during.map((e) => [e.event_id, 'during'] as const),
      ...after.map((e) => [e.event_id, 'after'] as const),
    ]);
    const fallbacks = { before: 0, during: 0, after: 0 };
    let lastAfterScored: KafkaMessage | undefined;
    for (const [model, topic] of Object.entries(pipe.names.outputs)) {
      const records = await pipe.readAll(topic);
      // Exactly once: one output per input record and model.
      expect(records).toHaveLength(total);
      expect(new Set(records.map((m) => `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`)).size).toBe(total);
      for (const m of records) {
        const when = phase.get(header(m, 'x-event-id') as string);
        const fallback = header(m, 'x-fallback');
        if (fallback === undefined) {
          expect(header(m, 'x-model-name')).toBe(model);
          if (model === 'lead_scorer') {
            const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
            expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
            if (when === 'after') lastAfterScored = m;
          }
        } else {
          // The server is the only thing that fails here, and only while it is down or reconnecting.
          expect([fallback, header(m, 'x-model-version'), when === 'before']).toEqual(['remote_unavailable', fallbackMode === 'local' ? latestShipped(model) : 'rules-1', false]);
          if (fallbackMode === 'local' && model === 'lead_scorer') {
            const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
            expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
          }
          fallbacks[when as 'during' | 'after']++;
        }
      }
    }
    expect(fallbacks.during).toBeGreaterThan(0);
    // Back: the model scores again once the server is.
    expect(lastAfterScored).toBeDefined();
    for (const dlq of pipe.names.inputs.map(pipe.names.dlq)) expect(await pipe.readAll(dlq)).toHaveLength(0);
  });
});
