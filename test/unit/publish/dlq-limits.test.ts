import { createHash, randomBytes } from 'node:crypto';
import type { KafkaMessage, Message } from 'kafkajs';
import { dlqRecord, recordBytes } from '../../../src/publish/dlq-record';
import { splitRequests } from '../../../src/publish/split-requests';

const source = { topic: 'lead.events', partition: 1, offset: '7' };
const message = (key: Buffer | null, value: Buffer | null): KafkaMessage =>
  ({ key, value, headers: { traceparent: Buffer.from('00-a-b-01') }, offset: '7', timestamp: '0', attributes: 0 }) as KafkaMessage;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('dlqRecord', () => {
  it('keeps a record that fits as it was', () => {
    const m = message(Buffer.from('k'), Buffer.from('value'));
    const d = dlqRecord(m, source, 'bad_magic', 'why', 1000);
    expect(d.key).toEqual(m.key);
    expect(d.value).toEqual(m.value);
    expect(d.headers?.['x-dlq-original-value-bytes']).toBeUndefined();
    expect(d.headers?.traceparent).toEqual(Buffer.from('00-a-b-01'));
  });

  it('cuts a value that does not fit, saying its size and hash, and fits the limit', () => {
    const value = randomBytes(5000);
    const d = dlqRecord(message(Buffer.from('k'), value), source, 'bad_magic', 'why', 2000);
    expect(recordBytes(d)).toBeLessThanOrEqual(2000);
    expect((d.value as Buffer).equals(value.subarray(0, (d.value as Buffer).length))).toBe(true);
    expect(d.headers).toMatchObject({ 'x-dlq-original-value-bytes': '5000', 'x-dlq-original-value-sha256': sha(value) });
    expect(d.headers?.['x-dlq-original-key-bytes']).toBeUndefined();
  });

  it('cuts a huge key too, to a quarter of the limit', () => {
    const key = randomBytes(4000);
    const d = dlqRecord(message(key, randomBytes(4000)), source, 'feature_invalid', 'why', 2000);
    expect(recordBytes(d)).toBeLessThanOrEqual(2000);
    expect((d.key as Buffer).length).toBe(500);
    expect(d.headers).toMatchObject({ 'x-dlq-original-key-bytes': '4000', 'x-dlq-original-key-sha256': sha(key) });
  });


  it('drops original headers too large to keep, saying their size, and fits the limit', () => {
    const m = { ...message(Buffer.from('k'), randomBytes(100)), headers: { big: randomBytes(3000) } } as KafkaMessage;
    const d = dlqRecord(m, source, 'bad_magic', 'why', 2000);
    expect(recordBytes(d)).toBeLessThanOrEqual(2000);
    expect(d.headers?.big).toBeUndefined();
    expect(Number(d.headers?.['x-dlq-original-headers-bytes'])).toBeGreaterThan(3000);
    expect(d.headers?.['x-dlq-reason']).toBe('bad_magic');
  });
});

describe('splitRequests', () => {
  const msg = (bytes: number): Message => ({ key: null, value: Buffer.alloc(bytes) });

  it('keeps one request when every topic fits', () => {
    const requests = splitRequests([{ topic: 'a', messages: [msg(100), msg(100)] }, { topic: 'b', messages: [msg(100)] }], 1000);
    expect(requests).toHaveLength(1);
  });

  it('bounds each topic per request and keeps each topic in order', () => {
    const a = Array.from({ length: 10 }, (_, i) => msg(300 + i));
    const b = [msg(100)];
    const requests = splitRequests([{ topic: 'a', messages: a }, { topic: 'b', messages: b }], 1000);
    for (const r of requests) for (const t of r) expect(t.messages.reduce((n, m) => n + recordBytes(m), 0)).toBeLessThanOrEqual(1000);
    expect(requests.flatMap((r) => r.filter((t) => t.topic === 'a').flatMap((t) => t.messages))).toEqual(a);
    expect(requests[0]?.find((t) => t.topic === 'b')?.messages).toEqual(b);
  });

  it('sends a record larger than the limit alone', () => {
    const requests = splitRequests([{ topic: 'a', messages: [msg(10), msg(5000), msg(10)] }], 1000);
    expect(requests.map((r) => r[0]?.messages.length)).toEqual([1, 1, 1]);
  });
});
