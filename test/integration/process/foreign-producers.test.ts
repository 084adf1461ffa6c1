import { crc32 } from 'node:zlib';
import { Partitioners, type KafkaMessage, type Message } from 'kafkajs';
import { defaultPartition } from '../../../src/consume/partitioning';
import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * What producers not written here send: librdkafka's default partitioner (CRC32, not murmur2),
 * null keys, keys other than the lead_id, the same event twice, event times far from the record's.
 * Records that break the partitioning contract or the time bounds are dead-lettered, a duplicate is
 * applied and scored once, and every score of the good records equals the score computed directly
 * from the good records alone.
 */
jest.setTimeout(240_000);

const HOUR = 3_600_000;

describe('records from foreign producers', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('are held to the partitioning contract, deduplicated by event_id and bounded in time', async () => {
    await pipe.setUp();
    await pipe.startProcessor();
    const t0 = 1_790_000_000_000;
    const engagement = (lead: string, id: string, at: number): EngagementEvent => ({ event_id: id, lead_id: lead, engagement_type: 'LISTING_VIEW', occurred_at: at, channel: 'WEB', property_id: 'p-1', duration_seconds: 30, session_id: null });
    const created = (lead: string, i: number): LeadEvent => leadEvent(i, { lead_id: lead, event_id: `${lead}-created`, occurred_at: t0 + i * 1000 });

    // A lead whose CRC32 partition (librdkafka's default) is not its murmur2 one.
    const misplaced = Array.from({ length: 50 }, (_, i) => `lead-crc-${i}`).find((id) => crc32(id) % 2 !== defaultPartition(Buffer.from(id), 2)) as string;
    const dup = 'lead-dup';
    const timed = 'lead-time';
    const duplicated = engagement(dup, 'dup-e1', t0 + 2 * HOUR);
    const good: (LeadEvent | EngagementEvent)[] = [
      created(misplaced, 1),
      created(dup, 2),
      duplicated,
      engagement(dup, 'dup-e2', t0 + 3 * HOUR),
      created(timed, 3),
      engagement(timed, 'time-ok', t0 + 4 * HOUR),
    ];
    const resent = [duplicated, engagement(dup, 'dup-e3', t0 + 5 * HOUR)];
    const outOfTime = [engagement(timed, 'time-2099', Date.UTC(2099, 0, 1)), engagement(timed, 'time-2001', Date.UTC(2001, 0, 1))];
    // Produced in this order, one millisecond apart: the merge applies them in this order.
    await pipe.produceInOrder([...good, ...resent, ...outOfTime, engagement(timed, 'time-after', t0 + 6 * HOUR)]);

    const id = { lead: await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead)), engagement: await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.engagement)) };
    const send = async (topic: string, messages: Message[], partitioner = Partitioners.DefaultPartitioner): Promise<void> => {
      const producer = pipe.kafka.producer({ createPartitioner: partitioner, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages });
      await producer.disconnect();
    };
    const librdkafkaDefault = () => ({ message, partitionMetadata }: { message: Message; partitionMetadata: unknown[] }): number => crc32(message.key as Buffer) % partitionMetadata.length;
    await send(pipe.names.engagement, [{ key: Buffer.from(misplaced), value: await pipe.registry.encode(id.engagement, engagement(misplaced, 'crc-e1', t0 + 7 * HOUR)) }], librdkafkaDefault);
    await send(pipe.names.lead, [
      { key: null, value: await pipe.registry.encode(id.lead, leadEvent(4, { lead_id: 'lead-null-key', event_id: 'null-key' })), partition: 0 },
      { key: 'some-other-key', value: await pipe.registry.encode(id.lead, leadEvent(5, { lead_id: 'lead-keyed-wrong', event_id: 'wrong-key' })) },
    ]);

    const scoredIds = [...good, resent[1] as EngagementEvent, { event_id: 'time-after' }].map((e) => e.event_id);
    // 14 records in: each ends as an output or a DLQ record, but for the one duplicate.
    const ended = async (): Promise<number> =>
      (await pipe.readAll(pipe.names.outputs.lead_scorer)).length + (await pipe.readAll(pipe.names.dlq(pipe.names.lead))).length + (await pipe.readAll(pipe.names.dlq(pipe.names.engagement))).length;
    for (const deadline = Date.now() + 120_000; (await ended()) < 13 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 1000));
    const allScores = await pipe.readAll(pipe.names.outputs.lead_scorer);
    expect(allScores.map((m) => header(m, 'x-event-id')).sort()).toEqual([...scoredIds].sort());
    for (const topic of [pipe.names.outputs.churn_predictor, pipe.names.outputs.property_matcher]) {
      expect((await pipe.readAll(topic)).map((m) => header(m, 'x-event-id')).sort()).toEqual([...scoredIds].sort());
    }

    const reasons = (ms: KafkaMessage[]): string[] => ms.map((m) => `${header(m, 'x-dlq-reason')}: ${(header(m, 'x-dlq-error') ?? '').slice(0, 40)}`).sort();
    expect(reasons(await pipe.readAll(pipe.names.dlq(pipe.names.lead)))).toEqual([
      expect.stringMatching(/^wrong_partition: key "some-other-key" is not/),
      expect.stringMatching(/^wrong_partition: null key/),
    ]);
    const engagementDlq = await pipe.readAll(pipe.names.dlq(pipe.names.engagement));
    expect(engagementDlq.map((m) => header(m, 'x-dlq-reason')).sort()).toEqual(['feature_invalid', 'feature_invalid', 'wrong_partition']);
    expect(engagementDlq.find((m) => header(m, 'x-dlq-reason') === 'wrong_partition')?.key?.toString()).toBe(misplaced);

    // Scores equal those of the good records alone: the duplicate and the rejected were never applied.
    const expected = await expectedScores([], [...good, resent[1] as EngagementEvent, engagement(timed, 'time-after', t0 + 6 * HOUR)]);
    const decoded = await Promise.all(allScores.map(async (m) => (await pipe.registry.decode(m.value as Buffer)) as { event_id: string; conversion_probability: number }));
    for (const d of decoded) expect(d.conversion_probability).toBeCloseTo(expected.get(d.event_id)?.lead as number, 6);
  });
});
