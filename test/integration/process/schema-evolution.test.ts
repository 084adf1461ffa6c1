import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { readSchema } from '../../../src/schemas/files';
import type { EngagementEvent, LeadEvent, LeadScore } from '../../../src/schemas/types';
import { decodeState } from '../../../src/state/codec';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';
import { readTopic } from '../../helpers/read-topic';

/**
 * Another team evolves LeadEvent in the registry, under the subject config `topics create` set
 * (FORWARD_TRANSITIVE: every schema the subject holds, ours included, must read the new one):
 * a new LeadStatus symbol and a removed optional field are accepted, and their records are
 * scored, the new symbol read as our default (UNKNOWN, the lead keeping its status); a removed
 * required field is refused by the registry, so no record we cannot read is ever written.
 */
jest.setTimeout(240_000);

type Json = Record<string, unknown> & { fields: Json[] };

const reader = (): Json => JSON.parse(readSchema('LeadEvent')) as Json;

function withArchived(): Json {
  const s = reader();
  const status = s.fields.find((f) => f.name === 'status') as unknown as { type: { symbols: string[] } };
  status.type.symbols.push('ARCHIVED');
  return s;
}

function without(field: string): Json {
  const s = reader();
  s.fields = s.fields.filter((f) => f.name !== field);
  return s;
}

describe('a producer evolves LeadEvent in the registry', () => {
  const pipe = new TestPipeline();
  const subject = (): string => valueSubject(pipe.names.lead);
  const responses = new Map<string, { status: number; id?: number }>();

  /** What another team does: a plain POST to the registry. */
  const register = async (label: string, schema: Json): Promise<void> => {
    const res = await fetch(`${pipe.registryUrl}/subjects/${encodeURIComponent(subject())}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    const body = (await res.json()) as { id?: number };
    responses.set(label, { status: res.status, ...(body.id === undefined ? {} : { id: body.id }) });
  };

  beforeAll(async () => {
    await pipe.setUp();
    await register('no agent_id', without('agent_id'));
    await register('archived', withArchived());
    await register('no status', without('status'));
  });
  afterAll(() => pipe.cleanup());

  it('is checked under FORWARD_TRANSITIVE: a new symbol and a removed optional field pass, a removed required field does not', async () => {
    const config = (await (await fetch(`${pipe.registryUrl}/config/${encodeURIComponent(subject())}`)).json()) as { compatibilityLevel: string };
    expect(config.compatibilityLevel).toBe('FORWARD_TRANSITIVE');
    expect([...responses].map(([label, r]) => [label, r.status])).toEqual([
      ['no agent_id', 200],
      ['archived', 200],
      ['no status', 409],
    ]);
  });

  it('records written with the accepted versions are scored, not dead-lettered; ARCHIVED reads as UNKNOWN', async () => {
    await pipe.startProcessor();
    const ours = await pipe.registry.getRegistryId(subject(), 1);
    const archivedId = responses.get('archived')?.id as number;
    const noAgentId = responses.get('no agent_id')?.id as number;
    const lead = `lead-evolved-${randomUUID().slice(0, 6)}`;
    const at = 1_790_000_000_000;
    const e = (i: number, status: string, event_type: LeadEvent['event_type']): LeadEvent => leadEvent(i, { lead_id: lead, event_id: `ev-${i}`, event_type, status: status as LeadEvent['status'], occurred_at: at + i * 60_000 });
    // (schema id, event as written): an old symbol and then ARCHIVED with the new version, one
    // without agent_id, then an engagement event last, so that the lead's final state is the one
    // the ARCHIVED event left.
    const written: [number, LeadEvent][] = [
      [ours, e(0, 'NEW', 'CREATED')],
      [noAgentId, e(1, 'CONTACTED', 'UPDATED')],
      [archivedId, e(2, 'QUALIFIED', 'STATUS_CHANGED')],
      [archivedId, e(3, 'ARCHIVED', 'STATUS_CHANGED')],
    ];
    const sentinel: EngagementEvent = {
      event_id: 'ev-4', lead_id: lead, engagement_type: 'PAGE_VIEW', occurred_at: at + 4 * 60_000, channel: 'WEB', property_id: null, duration_seconds: 30, session_id: null,
    };
    const engagementId = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.engagement));
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const messages = await Promise.all(
        written.map(async ([id, ev], i) => {
          const { agent_id, ...noAgent } = ev;
          return { key: lead, value: await pipe.registry.encode(id, id === noAgentId ? noAgent : { ...ev, agent_id }), timestamp: String(at + i) };
        }),
      );
      await producer.send({ topic: pipe.names.lead, acks: -1, messages });
      await producer.send({ topic: pipe.names.engagement, acks: -1, messages: [{ key: lead, value: await pipe.registry.encode(engagementId, sentinel), timestamp: String(at + written.length) }] });
    } finally {
      await producer.disconnect();
    }

    // The engagement event is merged after every lead event: once it is scored, all were handled.
    await readTopic(pipe.kafka, {
      topic: pipe.names.outputs.lead_scorer,
      groupId: `evolved-${randomUUID().slice(0, 6)}`,
      readCommitted: true,
      until: (r) => r.some((m) => header(m, 'x-event-id') === sentinel.event_id),
      timeoutMs: 180_000,
    });
    const dlq = await pipe.readAll(pipe.names.dlq(pipe.names.lead));
    expect(dlq.map((m) => `${header(m, 'x-dlq-reason')}: ${header(m, 'x-dlq-error')}`)).toEqual([]);
    const scores = await Promise.all((await pipe.readAll(pipe.names.outputs.lead_scorer)).map(async (m) => (await pipe.registry.decode(m.value as Buffer)) as LeadScore));
    expect(scores.map((s) => s.event_id).sort()).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3', 'ev-4']);

    // ARCHIVED was read as UNKNOWN: the lead kept QUALIFIED, and was scored as a QUALIFIED lead.
    const states = (await pipe.readAll(pipe.names.changelog)).filter((m) => m.key?.toString() === lead);
    expect(decodeState(states.at(-1)?.value as Buffer).status).toBe('QUALIFIED');
    const asRead = written.map(([, ev]) => (ev.status === ('ARCHIVED' as string) ? { ...ev, status: 'UNKNOWN' as LeadEvent['status'] } : ev));
    const expected = await expectedScores([], [...asRead, sentinel]);
    expect(scores.map((s) => [s.event_id, s.conversion_probability]).sort()).toEqual([...expected].map(([id, x]) => [id, x.lead]).sort());
  });
});
