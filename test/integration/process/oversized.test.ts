import { createHash, randomBytes } from 'node:crypto';
import { Partitioners, type Message } from 'kafkajs';
import type { EngagementEvent } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, header } from '../../helpers/pipeline';

/**
 * Records near the broker's size limit, from producers that are not ours. None of them may stop
 * the partition: each is dead-lettered (truncated when its copy cannot fit, with its size and
 * hash), what would pass the limit in one transaction is split, and the good records after them
 * are scored.
 */
jest.setTimeout(300_000);

/** Random printable characters: they do not compress, as real payloads near the limit often do not. */
const noise = (chars: number): string => randomBytes(Math.ceil(chars * 0.75)).toString('base64').slice(0, chars);

describe('records near the size limit', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  const send = async (topic: string, messages: Message[]): Promise<void> => {
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      // One request per record: together they would pass the broker's request limit.
      for (const m of messages) await producer.send({ topic, acks: -1, messages: [m] });
    } finally {
      await producer.disconnect();
    }
  };
  const leadId = (): Promise<number> => pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead));
  const good = async (i: number, key: string): Promise<Message> => ({ key, value: await pipe.registry.encode(await leadId(), leadEvent(i, { lead_id: key, event_id: `good-${key}-${i}` })) });

  beforeAll(async () => {
    await pipe.setUp();
    await pipe.startProcessor();
  });

  it('a record of 1,048,400 bytes with a bad magic byte is dead-lettered truncated, with its size and hash', async () => {
    const key = 'lead-huge-bad-magic';
    const value = randomBytes(1_048_400);
    value[0] = 9;
    await send(pipe.names.lead, [{ key, value }, await good(1, key)]);
    const dlq = (await pipe.read(pipe.names.dlq(pipe.names.lead), 1)).filter((m) => m.key?.toString() === key);
    expect(dlq).toHaveLength(1);
    const d = dlq[0]!;
    expect(header(d, 'x-dlq-reason')).toBe('bad_magic');
    expect(header(d, 'x-dlq-original-value-bytes')).toBe('1048400');
    expect(header(d, 'x-dlq-original-value-sha256')).toBe(createHash('sha256').update(value).digest('hex'));
    expect(d.value!.length).toBeLessThan(value.length);
    expect(d.value!.equals(value.subarray(0, d.value!.length))).toBe(true);
    const scores = await pipe.read(pipe.names.outputs.lead_scorer, 1);
    expect(scores.map((m) => header(m, 'x-event-id'))).toContain(`good-${key}-1`);
  });

  it('three valid events of about 600 KB in one partition are dead-lettered, split over requests, not stalled', async () => {
    const key = 'lead-huge-area';
    const huge = await Promise.all([2, 3, 4].map(async (i) => ({ key, value: await pipe.registry.encode(await leadId(), leadEvent(i, { lead_id: key, event_id: `huge-${i}`, preferred_area: noise(600_000) })) })));
    await send(pipe.names.lead, [...huge, await good(5, key)]);
    const dlq = (await pipe.read(pipe.names.dlq(pipe.names.lead), 4)).filter((m) => m.key?.toString() === key);
    expect(dlq).toHaveLength(3);
    dlq.forEach((d, i) => {
      expect(header(d, 'x-dlq-reason')).toBe('feature_invalid');
      expect(header(d, 'x-dlq-error')).toMatch(/preferred_area/);
      expect(d.value!.equals(huge[i]!.value)).toBe(true);
    });
    const scores = await pipe.read(pipe.names.outputs.lead_scorer, 2);
    expect(scores.map((m) => header(m, 'x-event-id'))).toContain(`good-${key}-5`);
  });

  it('an engagement whose lead_id has 600,000 characters is dead-lettered quickly and the partition goes on', async () => {
    // Key and value both holding the id would pass the broker's limit: the producer keys it short.
    const key = 'lead-long-id';
    const engagement: EngagementEvent = { event_id: 'long-id', lead_id: `lead-${'x'.repeat(600_000)}`, engagement_type: 'PAGE_VIEW', occurred_at: 1_790_000_000_000, channel: 'WEB', property_id: null, duration_seconds: 10, session_id: null };
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.engagement));
    await send(pipe.names.engagement, [{ key, value: await pipe.registry.encode(id, engagement) }]);
    const after = 'lead-after-long-id';
    await send(pipe.names.lead, [await good(6, after)]);
    const dlq = (await pipe.read(pipe.names.dlq(pipe.names.engagement), 1));
    expect(dlq).toHaveLength(1);
    expect(header(dlq[0]!, 'x-dlq-reason')).toBe('feature_invalid');
    expect(header(dlq[0]!, 'x-dlq-error')).toMatch(/lead_id/);
    const scores = await pipe.read(pipe.names.outputs.lead_scorer, 3);
    expect(scores.map((m) => header(m, 'x-event-id'))).toContain(`good-${after}-6`);
  });
});
