import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import { ScorestreamError } from '../errors';
import { createKafka } from '../kafka/client';
import { readTopic } from '../kafka/read-topic';
import { connectOrStartLocal, release } from '../local/connect';
import { readSchema } from '../schemas/files';
import type { LeadEvent } from '../schemas/types';

const EVENTS = 1000;

/**
 * Until the processor exists (issue 4) the demo proves the local stack end to end: it starts the
 * services if none are configured, registers the LeadEvent schema, produces lead events in one
 * Kafka transaction, reads them back read_committed, decodes and compares them.
 */
export async function demoCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const keep = args.includes('--keep-services');
  print('scorestream demo: starting or connecting to Kafka and the schema registry...');
  const endpoints = await connectOrStartLocal();
  for (const s of endpoints.services) {
    print(`  ${s.label}: ${s.state === 'started' ? `started in ${s.readySeconds.toFixed(1)} s` : 'already running'} (${s.endpoint})`);
  }
  const kafka = createKafka({ brokers: endpoints.brokers, clientId: 'scorestream-demo' });
  const admin = kafka.admin();
  const topic = `scorestream.demo.${randomUUID().slice(0, 8)}`;
  const registry = new SchemaRegistry({ host: endpoints.registryUrl });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: readSchema('LeadEvent') }, { subject: `${topic}-value` });
    print(`  registered LeadEvent as schema id ${id} under ${topic}-value`);

    const now = Date.now();
    const events = Array.from({ length: EVENTS }, (_, i): LeadEvent => ({
      event_id: randomUUID(),
      lead_id: `lead-${i % 100}`,
      event_type: i < 100 ? 'CREATED' : 'UPDATED',
      occurred_at: now + i,
      source_channel: 'WEB',
      status: 'NEW',
      budget_min: 300_000,
      budget_max: 450_000 + i,
      preferred_area: 'Riverside',
      preferred_property_type: 'CONDO',
      min_beds: 2,
      min_baths: 1.5,
      location: { lat: 40.7, lon: -74.0 },
      agent_id: null,
    }));
    const producer = kafka.producer({
      transactionalId: `scorestream-demo-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const t0 = Date.now();
    const tx = await producer.transaction();
    try {
      const messages = await Promise.all(events.map(async (e) => ({ key: e.lead_id, value: await registry.encode(id, e) })));
      await tx.send({ topic, messages });
      await tx.commit();
    } catch (err: unknown) {
      await tx.abort();
      throw err;
    } finally {
      await producer.disconnect();
    }
    const read = await readTopic(kafka, { topic, groupId: `${topic}-reader`, readCommitted: true, until: (r) => r.length >= EVENTS, timeoutMs: 60_000 });
    const decoded = new Map<string, unknown>();
    for (const m of read) {
      if (m.value) {
        const value = (await registry.decode(m.value)) as { event_id: string };
        decoded.set(value.event_id, value);
      }
    }
    const mismatched = events.filter((e) => JSON.stringify(decoded.get(e.event_id)) !== JSON.stringify(e)).length;
    const seconds = (Date.now() - t0) / 1000;
    print(`  produced ${EVENTS} LeadEvents in one transaction, read ${read.length} back read_committed in ${seconds.toFixed(2)} s; ${mismatched} differ`);
    if (mismatched > 0 || read.length !== EVENTS) {
      throw new ScorestreamError('SMOKE_FAILED', `round trip lost or changed records: ${mismatched} differ, ${read.length} of ${EVENTS} read`);
    }
    print('scorestream demo: round trip OK. (The scoring pipeline arrives with issue 4.)');
    return 0;
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await fetch(`${endpoints.registryUrl}/subjects/${topic}-value`, { method: 'DELETE' }).catch(() => undefined);
    await admin.disconnect();
    if (keep) print('  --keep-services: leaving the local services running (scorestream services down stops them)');
    else await release(endpoints);
  }
}
