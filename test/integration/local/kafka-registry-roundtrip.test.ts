import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type KafkaMessage } from 'kafkajs';
import { readTopic } from '../../helpers/read-topic';
import { readSchema } from '../../../src/schemas/files';
import { useTestKafka } from '../../helpers/kafka';
import type { LeadEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';

/**
 * The parts are real: the schema from schemas/ registered in the real registry, records encoded
 * in the Confluent wire format and written by a transactional, idempotent KafkaJS producer to the
 * real broker, read back and decoded. Aborted transactions are invisible to read_committed.
 */
describe('Kafka transactions and the schema registry, end to end', () => {
  const t = useTestKafka();
  const registry = new SchemaRegistry({ host: t.registryUrl });

  async function decodeAll(records: readonly KafkaMessage[]): Promise<LeadEvent[]> {
    return Promise.all(records.map(async (m) => (await registry.decode(m.value as Buffer)) as LeadEvent));
  }

  it('registers LeadEvent and encodes in the Confluent wire format with the registered id', async () => {
    const topic = await t.createTopic('lead-events');
    const schema = readSchema('LeadEvent');
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${topic}-value` });
    const again = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${topic}-value` });
    expect(again.id).toBe(id);
    expect(await registry.getLatestSchemaId(`${topic}-value`)).toBe(id);

    const event = leadEvent(1);
    const bytes = await registry.encode(id, event);
    expect(bytes[0]).toBe(0); // magic byte
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(await registry.decode(bytes)).toEqual(event);
  });

  it('a read_committed consumer sees committed transactions only; read_uncommitted sees the aborted one too', async () => {
    const topic = await t.createTopic('lead-events');
    const subject = `${topic}-value`;
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: readSchema('LeadEvent') }, { subject });
    const producer = t.kafka.producer({
      transactionalId: t.uniqueId('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const send = async (events: LeadEvent[], outcome: 'commit' | 'abort'): Promise<void> => {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: await Promise.all(events.map(async (e) => ({ key: e.lead_id, value: await registry.encode(id, e) }))) });
      await (outcome === 'commit' ? tx.commit() : tx.abort());
    };

    const committed = Array.from({ length: 50 }, (_, i) => leadEvent(i));
    const aborted = Array.from({ length: 20 }, (_, i) => leadEvent(100 + i, { event_type: 'UPDATED' }));
    // The last record of the partition: once a reader has it, it has read everything before it.
    const sentinel = leadEvent(999, { lead_id: 'sentinel' });
    try {
      await send(committed, 'commit');
      await send(aborted, 'abort');
      await send([sentinel], 'commit');
    } finally {
      await producer.disconnect();
    }
    const untilSentinel = (records: readonly KafkaMessage[]): boolean => records.some((r) => r.key?.toString() === 'sentinel');

    const readCommitted = await decodeAll(
      await readTopic(t.kafka, { topic, groupId: t.uniqueId('rc'), readCommitted: true, until: untilSentinel, timeoutMs: 30_000 }),
    );
    expect(readCommitted).toEqual([...committed, sentinel]);

    const readUncommitted = await decodeAll(
      await readTopic(t.kafka, { topic, groupId: t.uniqueId('ru'), readCommitted: false, until: untilSentinel, timeoutMs: 30_000 }),
    );
    expect(readUncommitted).toEqual([...committed, ...aborted, sentinel]);
  });
});
