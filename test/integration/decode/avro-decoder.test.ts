import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { randomUUID } from 'node:crypto';
import { AvroDecoder } from '../../../src/decode/avro-decoder';
import { readSchema } from '../../../src/schemas/files';
import type { LeadEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';
import { testEndpoints } from '../../helpers/services';

/** Decoding against the real registry: every kind of bad record is a DLQ outcome, an outage a retry. */
describe('AvroDecoder', () => {
  const { registryUrl } = testEndpoints();
  const registry = new SchemaRegistry({ host: registryUrl });
  const subjects: string[] = [];
  let leadId: number;
  let engagementId: number;
  let oldLeadId: number;

  const register = async (schema: string): Promise<number> => {
    const subject = `test.decode.${randomUUID().slice(0, 8)}-value`;
    subjects.push(subject);
    return (await registry.register({ type: SchemaType.AVRO, schema }, { subject })).id;
  };

  beforeAll(async () => {
    leadId = await register(readSchema('LeadEvent'));
    engagementId = await register(readSchema('EngagementEvent'));
    // An older LeadEvent without agent_id: BACKWARD evolution must still read it.
    const old = JSON.parse(readSchema('LeadEvent')) as { fields: { name: string }[] };
    old.fields = old.fields.filter((f) => f.name !== 'agent_id');
    oldLeadId = await register(JSON.stringify(old));
  });
  afterAll(async () => {
    for (const s of subjects) for (const q of ['', '?permanent=true']) await fetch(`${registryUrl}/subjects/${s}${q}`, { method: 'DELETE' });
  });

  it('decodes the current and an older writer schema into the reader schema', async () => {
    const decoder = new AvroDecoder(registry, readSchema('LeadEvent'), 'LeadEvent');
    const current = leadEvent(1, { agent_id: 'agent-7' });
    const { agent_id: _drop, ...older } = leadEvent(2);
    const values = [await registry.encode(leadId, current), await registry.encode(oldLeadId, older)];
    expect(await decoder.prepare(values)).toBeUndefined();
    expect(decoder.decode<LeadEvent>(values[0]!)).toEqual({ kind: 'ok', value: current });
    expect(decoder.decode<LeadEvent>(values[1]!)).toEqual({ kind: 'ok', value: { ...older, agent_id: null } });
  });

  it('sends every kind of bad value to the DLQ with its reason', async () => {
    const decoder = new AvroDecoder(registry, readSchema('LeadEvent'), 'LeadEvent');
    const good = await registry.encode(leadId, leadEvent(3));
    const unknownId = Buffer.from(good);
    unknownId.writeInt32BE(987_654_321, 1);
    const otherType = await registry.encode(engagementId, {
      event_id: 'e', lead_id: 'l', engagement_type: 'CALL', occurred_at: 1, channel: 'PHONE', property_id: null, duration_seconds: null, session_id: null,
    });
    const cases: [string, Buffer | null, string][] = [
      ['null', null, 'bad_magic'],
      ['magic byte 1', Buffer.concat([Buffer.from([1]), good.subarray(1)]), 'bad_magic'],
      ['3 bytes', good.subarray(0, 3), 'bad_magic'],
      ['unknown schema id', unknownId, 'unknown_schema'],
      ['a schema of another record', otherType, 'unknown_schema'],
      ['truncated Avro', good.subarray(0, good.length - 8), 'avro_decode'],
      ['trailing garbage', Buffer.concat([good, Buffer.from([1, 2, 3])]), 'avro_decode'],
    ];
    expect(await decoder.prepare(cases.map(([, v]) => v))).toBeUndefined();
    for (const [label, value, reason] of cases) {
      const outcome = decoder.decode(value);
      expect([label, outcome.kind, outcome.kind === 'dlq' ? outcome.reason : '']).toEqual([label, 'dlq', reason]);
    }
  });

  it('asks to retry, not to dead-letter, when the registry is unreachable', async () => {
    const down = new SchemaRegistry({ host: 'http://127.0.0.1:9', retry: { retries: 0 } });
    const decoder = new AvroDecoder(down, readSchema('LeadEvent'), 'LeadEvent');
    const value = await registry.encode(leadId, leadEvent(4));
    const outcome = await decoder.prepare([value]);
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(decoder.decode(value).kind).toBe('retry');
  });
});
