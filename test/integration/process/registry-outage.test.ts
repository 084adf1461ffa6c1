import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import { readSchema } from '../../../src/schemas/files';
import type { LeadScore } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';
import { produceEncoded } from '../../helpers/produce';
import { TcpProxy } from '../../helpers/tcp-proxy';

/**
 * (e) The schema registry unreachable for a while: records written with a schema the processor
 * has not seen wait (nothing goes to the DLQ), and are scored once the registry is back.
 */
jest.setTimeout(180_000);

describe('a schema registry outage', () => {
  const pipe = new TestPipeline();
  const url = new URL(pipe.registryUrl);
  const proxy = new TcpProxy(url.hostname, Number(url.port));
  afterAll(async () => {
    await proxy.disable();
    await pipe.cleanup();
  });

  it('pauses processing without dead-lettering, and resumes when the registry is back', async () => {
    await pipe.setUp();
    await proxy.enable();
    const logs: string[] = [];
    // A partition stuck for 3 s is stalled: health and readiness must say so during the outage.
    const processor = await pipe.startProcessor({ SCHEMA_REGISTRY_URL: `http://127.0.0.1:${proxy.port}${url.pathname}`, SCORESTREAM_HEALTH_STALL_TIMEOUT_MS: '3000' }, logs);
    await pipe.produce(pipe.names.lead, [leadEvent(1, { lead_id: 'a', event_id: 'before' })]);
    await pipe.read(pipe.names.outputs.lead_scorer, 1);

    // A newer LeadEvent (one more optional field, as input subjects allow) whose id the processor cannot know yet.
    const v2 = JSON.parse(readSchema('LeadEvent')) as { fields: object[] };
    v2.fields.push({ name: 'campaign', type: ['null', 'string'], default: null });
    const { id } = await pipe.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject: valueSubject(pipe.names.lead), compatibility: COMPATIBILITY.FORWARD_TRANSITIVE });
    await proxy.disable();
    const during = [2, 3, 4].map((i) => ({ ...leadEvent(i, { lead_id: `lead-${i}`, event_id: `during-${i}` }), campaign: 'spring' }));
    await produceEncoded(pipe.kafka, pipe.registry, id, pipe.names.lead, during, (e) => e.lead_id);

    await new Promise((r) => setTimeout(r, 10_000));
    expect(await pipe.readAll(pipe.names.outputs.lead_scorer)).toHaveLength(1);
    expect(processor.isReady).toBe(false);
    expect(processor.health().ok).toBe(false);
    const stalled = processor.health().stalled;
    expect(stalled.length).toBeGreaterThan(0);
    expect(stalled.every((p) => !p.failing && p.forMs > 3000)).toBe(true);
    await proxy.enable();
    await pipe.read(pipe.names.outputs.lead_scorer, 4);
    // Moving again: healthy and ready once the waiting batch committed.
    expect(processor.health()).toMatchObject({ ok: true, stalled: [] });
    expect(processor.isReady).toBe(true);
    const scores = await pipe.readAll(pipe.names.outputs.lead_scorer);
    const ids = await Promise.all(scores.map(async (m) => ((await pipe.registry.decode(m.value as Buffer)) as LeadScore).event_id));
    expect(ids.sort()).toEqual(['before', 'during-2', 'during-3', 'during-4']);
    const dlqAdmin = await pipe.admin.fetchTopicOffsets(pipe.names.dlq(pipe.names.lead));
    expect(dlqAdmin.map((o) => o.high)).toEqual(['0', '0']);
    // The registry client retries by itself for a few seconds before the processor hears of it.
    expect(logs.some((l) => /schema registry unavailable/.test(l))).toBe(true);
  });
});
