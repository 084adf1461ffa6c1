/**
 * What each codec costs the processor for the records it writes: partition batches of real output
 * records (Confluent-framed Avro LeadScore and ChurnRisk values with their nine provenance headers,
 * encoded as Kafka records the way KafkaJS encodes them before compressing), compressed with
 * KafkaJS's gzip (zlib on libuv's thread pool), scorestream's lz4 and snappy codecs (pure
 * JavaScript, on the calling thread), or not at all. Per batch: the calling (event-loop) thread's busy time,
 * the process's CPU, and the compressed size. Medians of 5 runs, interleaved.
 *
 *   npx tsx bench/codecs.ts [--records 512] [--batches 200]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import avro from 'avsc';
import snappyCodec from 'kafkajs-snappy';
import { lz4Frame } from '../src/kafka/lz4-frame';
import { outputHeaders } from '../src/publish/headers';
import { readSchema } from '../src/schemas/files';
import { churnRisk, leadScore } from '../src/score/outputs';

// KafkaJS's own record encoder: the bytes its codecs are handed.
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: { offsetDelta: number; timestampDelta: number; key: Buffer; value: Buffer; headers: Record<string, string> }) => { buffer: Buffer };

const { values } = parseArgs({ options: { records: { type: 'string' }, batches: { type: 'string' } } });
const perBatch = Number(values.records ?? 512);
const batches = Number(values.batches ?? 200);

function framed(id: number, bytes: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, bytes]);
}

/** One partition batch's records: as many LeadScore as ChurnRisk values, from 200 leads. */
function batchBytes(seed: number): Buffer {
  const leadType = avro.Type.forSchema(JSON.parse(readSchema('LeadScore')) as avro.Schema);
  const churnType = avro.Type.forSchema(JSON.parse(readSchema('ChurnRisk')) as avro.Schema);
  const by = { model: 'lead_scorer' as const, version: '1.1.0', sha256: 'c5a1b7e0f5d3a8e6b2c4d9f1a7e3b5c8d0f2a4c6e8b1d3f5a7c9e1b3d5f7a9c1', fallback: null };
  const parts: Buffer[] = [];
  let x = seed;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < perBatch; i++) {
    const lead = `lead-${String(Math.floor(rand() * 200)).padStart(7, '0')}`;
    const eventId = `${(rand() * 2 ** 31).toString(16)}-4e2a-${i.toString(16).padStart(4, '0')}-a1b2-${(rand() * 2 ** 31).toString(16)}`;
    const scoredAt = 1_796_000_000_000 + i;
    const row = Float32Array.from({ length: 24 }, () => rand());
    const value = i % 2 === 0 ? framed(7, leadType.toBuffer(leadScore(lead, eventId, scoredAt, rand(), row, 0, by))) : framed(8, churnType.toBuffer(churnRisk(lead, eventId, scoredAt, rand(), Math.floor(rand() * 30), by)));
    const headers = outputHeaders({ ...by, source: { topic: 'lead.events', partition: 3, offset: String(100_000 + i) }, eventId, scoredAt });
    parts.push(Record({ offsetDelta: i, timestampDelta: 0, key: Buffer.from(lead), value, headers }).buffer);
  }
  return Buffer.concat(parts);
}

const gzip = promisify(zlib.gzip);
const snappy = snappyCodec();
const codecs: Record<string, (b: Buffer) => Promise<Buffer> | Buffer> = {
  none: (b) => b,
  gzip: (b) => gzip(b),
  lz4: (b) => lz4Frame(b),
  snappy: (b) => snappy.compress({ buffer: b }),
};

const inputs = Array.from({ length: 8 }, (_, i) => batchBytes(i + 1));

async function run(codec: (b: Buffer) => Promise<Buffer> | Buffer): Promise<{ busyMs: number; cpuMs: number; ratio: number }> {
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  let inBytes = 0;
  let outBytes = 0;
  for (let i = 0; i < batches; i++) {
    const b = inputs[i % inputs.length] as Buffer;
    const out = await codec(b);
    inBytes += b.length;
    outBytes += out.length;
  }
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  return { busyMs: elu.active / batches, cpuMs: (cpu.user + cpu.system) / 1000 / batches, ratio: outBytes / inBytes };
}

async function main(): Promise<void> {
  const results = new Map<string, { busyMs: number; cpuMs: number; ratio: number }[]>();
  for (let rep = 0; rep < 6; rep++) {
    for (const [name, codec] of Object.entries(codecs)) {
      const r = await run(codec);
      if (rep > 0) results.set(name, [...(results.get(name) ?? []), r]);
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`${perBatch} records per batch (${Math.round((inputs[0] as Buffer).length / 1024)} KiB), ${batches} batches per run, medians of 5 runs`);
  console.log('| codec | event-loop busy ms / batch | process CPU ms / batch | CPU s / 1k records | size |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, rs] of results) {
    const cpu = median(rs.map((r) => r.cpuMs));
    console.log(`| ${name} | ${median(rs.map((r) => r.busyMs)).toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / perBatch).toFixed(4)} | ${(100 * median(rs.map((r) => r.ratio))).toFixed(1)}% |`);
  }
}

void main();
