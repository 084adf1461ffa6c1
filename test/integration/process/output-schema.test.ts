import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { readSchema } from '../../../src/schemas/files';
import type { LeadScore } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * Another team registers a newer, compatible version of lead.scores-value (an added optional
 * field) before the processor starts. The processor still encodes with its own schema, so every
 * output must carry the id of that exact schema, never the subject's latest, and decode with the
 * Confluent deserializer.
 */
jest.setTimeout(180_000);

describe('output schema ids', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('are the id of the schema the processor encodes with, not the latest version', async () => {
    await pipe.setUp();
    const subject = valueSubject(pipe.names.outputs.lead_scorer);
    const ours = await pipe.registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: readSchema('LeadScore') });
    const newer = JSON.parse(readSchema('LeadScore')) as { fields: unknown[] };
    newer.fields.push({ name: 'explanation', type: ['null', 'string'], default: null, doc: 'added by another team' });
    const res = await fetch(`${pipe.registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(newer) }),
    });
    expect(res.status).toBe(200);
    const latest = ((await res.json()) as { id: number }).id;
    expect(latest).not.toBe(ours);

    await pipe.startProcessor();
    const events = [0, 1, 2].map((i) => leadEvent(i, { lead_id: `lead-schema-${i}` }));
    await pipe.produce(pipe.names.lead, events);
    const scores = await pipe.read(pipe.names.outputs.lead_scorer, events.length);
    expect(scores).toHaveLength(events.length);
    for (const m of scores) {
      const value = m.value as Buffer;
      expect(value.readInt32BE(1)).toBe(ours);
      const decoded = (await pipe.registry.decode(value)) as LeadScore;
      expect(decoded.model_name).toBe('lead_scorer');
    }
    const decoded = await Promise.all(scores.map(async (m) => ((await pipe.registry.decode(m.value as Buffer)) as LeadScore).event_id));
    expect(decoded.sort()).toEqual(events.map((e) => e.event_id).sort());
  });
});
