import { Partitioners } from 'kafkajs';
import type { LeadScore } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, header } from '../../helpers/pipeline';

/**
 * (d) Poison records between good ones in one partition: each lands in the DLQ once, with the
 * original bytes and its reason, and the good records around it are scored.
 */
jest.setTimeout(180_000);

describe('poison records', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('go to the DLQ once each with their reason, and the partition keeps flowing', async () => {
    await pipe.setUp();
    await pipe.startProcessor();
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead));
    const key = 'lead-poisoned';
    const good = (i: number): Promise<Buffer> => pipe.registry.encode(id, leadEvent(i, { lead_id: key, event_id: `good-${i}`, event_type: i === 0 ? 'CREATED' : 'UPDATED' }));
    const valid = await good(100);
    const unknownSchema = Buffer.from(valid);
    unknownSchema.writeInt32BE(999_999_999, 1);
    const poison: [string, Buffer][] = [
      ['bad_magic', Buffer.from([7, 1, 2, 3, 4, 5, 6])],
      ['avro_decode', valid.subarray(0, valid.length - 6)],
      ['unknown_schema', unknownSchema],
      ['feature_invalid', await pipe.registry.encode(id, leadEvent(101, { lead_id: key, budget_max: Number.NaN }))],
      ['feature_invalid', await pipe.registry.encode(id, leadEvent(102, { lead_id: key, location: { lat: 123, lon: 0 } }))],
      ['feature_invalid', await pipe.registry.encode(id, leadEvent(103, { lead_id: key, min_beds: 12 }))],
    ];
    const values = [await good(0), ...poison.flatMap(([, v], i) => [v, good(i + 1)])];
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: pipe.names.lead, acks: -1, messages: await Promise.all(values.map(async (v) => ({ key, value: await v, headers: { traceparent: 'abc' } }))) });
    await producer.disconnect();

    const goods = values.length - poison.length;
    await pipe.read(pipe.names.outputs.lead_scorer, goods);
    // The last record is a good one, so once all good ones are scored everything was processed.
    const scores = await pipe.readAll(pipe.names.outputs.lead_scorer);
    const dlq = await pipe.readAll(pipe.names.dlq(pipe.names.lead));
    expect(dlq).toHaveLength(poison.length);
    expect(scores).toHaveLength(goods);
    const scored = await Promise.all(scores.map(async (m) => ((await pipe.registry.decode(m.value as Buffer)) as LeadScore).event_id));
    expect(scored.sort()).toEqual(['good-0', 'good-1', 'good-2', 'good-3', 'good-4', 'good-5', 'good-6'].sort());

    expect(dlq.map((m) => header(m, 'x-dlq-reason'))).toEqual(poison.map(([reason]) => reason));
    dlq.forEach((m, i) => {
      expect(m.value?.equals(poison[i]![1])).toBe(true);
      expect(m.key?.toString()).toBe(key);
      expect(header(m, 'x-source-topic')).toBe(pipe.names.lead);
      expect(header(m, 'traceparent')).toBe('abc');
      expect(header(m, 'x-dlq-error')?.length).toBeGreaterThan(10);
    });
    const offsets = dlq.map((m) => Number(header(m, 'x-source-offset')));
    expect(offsets).toEqual([1, 3, 5, 7, 9, 11]);
    expect(header(dlq[3]!, 'x-dlq-error')).toMatch(/budget_max=NaN/);
  });
});
