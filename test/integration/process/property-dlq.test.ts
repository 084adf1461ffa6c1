import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import client from 'prom-client';
import { AvroDecoder, type WriterSchemas } from '../../../src/decode/avro-decoder';
import { createMetrics, METRIC, type Metrics } from '../../../src/ops/metrics';
import { PropertyDlqWriter } from '../../../src/process/property-dlq';
import { Processor } from '../../../src/process/processor';
import { readSchema } from '../../../src/schemas/files';
import type { PropertyEvent } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { TestPipeline, header } from '../../helpers/pipeline';
import { TcpProxy } from '../../helpers/tcp-proxy';

/**
 * Every instance reads property.events whole, yet each bad record in it lands in
 * property.events.dlq exactly once, with its reason, through a change of the instance that writes
 * them; every instance counts what its table skipped.
 */
jest.setTimeout(420_000);

const B = 1_790_000_000_000;
const listing = (id: string, overrides: Partial<PropertyEvent> = {}): PropertyEvent => ({
  event_id: randomUUID(),
  property_id: id,
  event_type: 'LISTED',
  occurred_at: B,
  list_price: 400_000,
  property_type: 'CONDO',
  beds: 2,
  baths: 1,
  sqft: 900,
  area: 'Riverside',
  location: { lat: 40.7484, lon: -73.9857 },
  listing_status: 'ACTIVE',
  ...overrides,
});

interface Sent {
  readonly key: string;
  readonly value: Buffer | null;
  readonly reason?: string;
  partition: number;
  offset: string;
}

const values = async (metrics: Metrics, name: string): Promise<Record<string, number>> => {
  const metric = metrics.registry.getSingleMetric(name);
  const out: Record<string, number> = {};
  for (const v of metric ? (await metric.get()).values : []) out[Object.values(v.labels).join('/')] = v.value;
  return out;
};
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe('bad records on property.events', () => {
  const pipe = new TestPipeline();
  const processors: Processor[] = [];
  let producer: Producer;
  afterAll(async () => {
    for (const p of processors) await p.stop().catch(() => undefined);
    await producer?.disconnect();
    await pipe.cleanup();
    for (const dir of stateDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const stateDirs: string[] = [];
  /** A processor of the pipeline's group, in this process, with a state directory of its own. */
  const start = async (logs: string[]): Promise<{ processor: Processor; metrics: Metrics }> => {
    const metrics = createMetrics(new client.Registry());
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-pdlq-'));
    stateDirs.push(stateDir);
    const config = pipe.config({ SCORESTREAM_STATE_DIR: stateDir });
    const processor = new Processor(config, pipe.kafka, config.registryUrl, { metrics, onLog: (_level, message) => logs.push(message), onRegistryEvent: () => undefined });
    processors.push(processor);
    await processor.start();
    return { processor, metrics };
  };

  const send = async (records: Sent[]): Promise<void> => {
    for (const r of records) {
      const [meta] = await producer.send({ topic: pipe.names.property, acks: -1, messages: [{ key: r.key, value: r.value, headers: { traceparent: `tp-${r.key}` } }] });
      r.partition = meta?.partition ?? -1;
      r.offset = meta?.baseOffset ?? '';
    }
  };

  const bad = async (set: string): Promise<Sent[]> => {
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.property));
    const valid = await pipe.registry.encode(id, listing(`p-${set}-valid`));
    const unknownSchema = Buffer.from(valid);
    unknownSchema.writeInt32BE(999_999_999, 1);
    return [
      { key: `p-${set}-magic`, value: Buffer.from([7, 1, 2, 3, 4, 5, 6]), reason: 'bad_magic', partition: -1, offset: '' },
      { key: `p-${set}-schema`, value: unknownSchema, reason: 'unknown_schema', partition: -1, offset: '' },
      { key: `p-${set}-avro`, value: valid.subarray(0, valid.length - 6), reason: 'avro_decode', partition: -1, offset: '' },
      { key: `p-${set}-invalid`, value: await pipe.registry.encode(id, listing(`p-${set}-invalid`, { list_price: 0 })), reason: 'feature_invalid', partition: -1, offset: '' },
    ];
  };

  it('land in property.events.dlq exactly once each, with their reason, with two processors reading the topic', async () => {
    await pipe.setUp();
    producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.property));
    const good = async (key: string): Promise<Sent> => ({ key, value: await pipe.registry.encode(id, listing(key)), partition: -1, offset: '' });
    const tombstone = (key: string): Sent => ({ key, value: null, partition: -1, offset: '' });
    const first = await bad('a');
    await send([await good('p-good-1'), first[0]!, await good('p-good-2'), first[1]!, tombstone('p-good-1'), first[2]!, tombstone('p-never-listed'), first[3]!]);

    const logs1: string[] = [];
    const logs2: string[] = [];
    const one = await start(logs1);
    const two = await start(logs2);
    await pipe.read(pipe.names.dlq(pipe.names.property), first.length, 120_000);
    // Whichever of the two wrote the DLQ, the other now does: partition 0 moves to it.
    await one.processor.stop();
    // A writer of an instance that has not yet seen that it lost partition 0 runs alongside: each
    // start of one fences the other while the second set arrives.
    const stale = { metrics: createMetrics(new client.Registry()), logs: [] as string[] };
    const zombie = new PropertyDlqWriter({
      kafka: pipe.kafka,
      compression: CompressionTypes.GZIP,
      maxRecordBytes: 1_000_000,
      decoder: new AvroDecoder(pipe.registry, readSchema('PropertyEvent'), 'PropertyEvent'),
      topic: pipe.names.property,
      dlqTopic: pipe.names.dlq(pipe.names.property),
      groupId: pipe.config().appId,
      log: (_level, message) => stale.logs.push(message),
      metrics: stale.metrics,
      initialRetryMs: 200,
      maxRetryMs: 400,
    });
    zombie.start();
    const second = await bad('b');
    await send(second);
    await pipe.read(pipe.names.dlq(pipe.names.property), first.length + second.length, 120_000);
    await zombie.stop();
    // The second processor's own table reads the new records apart from its DLQ writer.
    while (total(await values(two.metrics, METRIC.propertyRejected)) < first.length + second.length) await new Promise((r) => setTimeout(r, 100));
    // The zombie may have written the second set before the rebalance gave partition 0 to the
    // second processor: its writer's start is awaited (for a while), not assumed to have come.
    for (const deadline = Date.now() + 60_000; !logs2.some((l) => l.startsWith('this instance writes bad')) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    await two.processor.stop();

    const dlq = await pipe.readAll(pipe.names.dlq(pipe.names.property));
    const expected = [...first, ...second];
    const where = (partition: string | undefined, offset: string | undefined): string => `${partition}/${offset}`;
    expect(dlq.map((m) => where(header(m, 'x-source-partition'), header(m, 'x-source-offset'))).sort()).toEqual(expected.map((r) => where(String(r.partition), r.offset)).sort());
    for (const m of dlq) {
      const r = expected.find((x) => where(String(x.partition), x.offset) === where(header(m, 'x-source-partition'), header(m, 'x-source-offset')));
      expect([m.key?.toString(), header(m, 'x-dlq-reason'), header(m, 'x-source-topic'), header(m, 'traceparent')]).toEqual([r?.key, r?.reason, pipe.names.property, `tp-${r?.key}`]);
      expect(m.value?.equals(r?.value as Buffer)).toBe(true);
      expect(header(m, 'x-dlq-error')?.length).toBeGreaterThan(10);
      expect(Number.isNaN(Date.parse(header(m, 'x-dlq-at') ?? ''))).toBe(false);
    }

    // Each instance counted what its table skipped; together they wrote each record once.
    expect(await values(one.metrics, METRIC.propertyRejected)).toEqual({ bad_magic: 1, unknown_schema: 1, avro_decode: 1, feature_invalid: 1 });
    expect(await values(two.metrics, METRIC.propertyRejected)).toEqual({ bad_magic: 2, unknown_schema: 2, avro_decode: 2, feature_invalid: 2 });
    for (const m of [one.metrics, two.metrics]) expect(await values(m, METRIC.propertyTombstones)).toEqual({ removed: 1, unknown_listing: 1 });
    const written = [await values(one.metrics, METRIC.recordsDlq), await values(two.metrics, METRIC.recordsDlq)].map((v) =>
      Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith(`${pipe.names.property}/`))),
    );
    const zombieWrote = total(Object.fromEntries(Object.entries(await values(stale.metrics, METRIC.recordsDlq)).filter(([k]) => k.startsWith(`${pipe.names.property}/`))));
    expect(total(written[0]!) + total(written[1]!) + zombieWrote).toBe(expected.length);
    // The second processor's writer took over (after the first stopped, at the latest).
    expect(logs2.some((l) => l.startsWith('this instance writes bad'))).toBe(true);
    for (const reason of ['bad_magic', 'unknown_schema', 'avro_decode', 'feature_invalid']) expect(logs2.some((l) => l.includes(reason))).toBe(true);
  });
});

describe('the property.events DLQ writer during a schema registry outage', () => {
  const pipe = new TestPipeline();
  const url = new URL(pipe.registryUrl);
  const proxy = new TcpProxy(url.hostname, Number(url.port));
  let writer: PropertyDlqWriter | undefined;
  afterAll(async () => {
    await writer?.stop();
    await proxy.disable();
    await pipe.cleanup();
  });

  it('waits for the registry and dead-letters only the bad records, an unknown schema id as such', async () => {
    await pipe.setUp();
    await proxy.enable();
    const direct = new SchemaRegistry({ host: `http://127.0.0.1:${proxy.port}${url.pathname}`, retry: { retries: 0 } });
    let lookups = 0;
    const counted: WriterSchemas = {
      getSchema: (id) => {
        lookups++;
        return direct.getSchema(id);
      },
    };
    await proxy.disable();
    writer = new PropertyDlqWriter({
      kafka: pipe.kafka,
      compression: CompressionTypes.GZIP,
      maxRecordBytes: 1_000_000,
      decoder: new AvroDecoder(counted, readSchema('PropertyEvent'), 'PropertyEvent'),
      topic: pipe.names.property,
      dlqTopic: pipe.names.dlq(pipe.names.property),
      groupId: pipe.config().appId,
      log: () => undefined,
    });
    writer.start();
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.property));
    const unknownSchema = await pipe.registry.encode(id, listing('p-unknown-schema'));
    unknownSchema.writeInt32BE(999_999_999, 1);
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: pipe.names.property,
      acks: -1,
      messages: [
        { key: 'p-good', value: await pipe.registry.encode(id, listing('p-good')), partition: 0 },
        { key: 'p-unknown-schema', value: unknownSchema, partition: 0 },
        { key: 'p-bad-magic', value: Buffer.from([9, 9, 9]), partition: 0 },
      ],
    });
    await producer.disconnect();

    // The writer has met the outage several times: nothing that needs the registry is dead-lettered.
    const dlqed = async (): Promise<number> => (await pipe.admin.fetchTopicOffsets(pipe.names.dlq(pipe.names.property))).reduce((n, o) => n + Number(o.high), 0);
    while (lookups < 3 && (await dlqed()) < 2) await new Promise((r) => setTimeout(r, 100));
    const during = await pipe.readAll(pipe.names.dlq(pipe.names.property));
    expect(during.map((m) => m.key?.toString()).filter((k) => k !== 'p-bad-magic')).toEqual([]);
    await proxy.enable();
    await pipe.read(pipe.names.dlq(pipe.names.property), 2, 120_000);
    await writer.stop();
    const dlq = await pipe.readAll(pipe.names.dlq(pipe.names.property));
    expect(dlq.map((m) => [m.key?.toString(), header(m, 'x-dlq-reason')]).sort()).toEqual([
      ['p-bad-magic', 'bad_magic'],
      ['p-unknown-schema', 'unknown_schema'],
    ]);
    expect(header(dlq.find((m) => m.key?.toString() === 'p-unknown-schema')!, 'x-dlq-error')).toMatch(/is not in the registry/);
  });
});
