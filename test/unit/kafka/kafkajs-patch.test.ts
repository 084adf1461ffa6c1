/**
 * patches/kafkajs+2.2.4.patch changes how KafkaJS encodes records for speed. These check that the
 * bytes are those of the code it replaced (kept here as the reference) and that KafkaJS's own,
 * unpatched decoder reads them back.
 */
interface EncoderLike {
  readonly buffer: Buffer;
  writeVarInt(v: number): EncoderLike;
  writeVarLong(v: unknown): EncoderLike;
  writeInt8(v: number): EncoderLike;
  writeVarIntBytes(v: Buffer | string | null): EncoderLike;
  writeVarIntArray(v: readonly EncoderLike[]): EncoderLike;
}
interface EncoderClass {
  new (): EncoderLike;
  sizeOfVarInt(v: number): number;
  sizeOfVarLong(v: unknown): number;
  /** Added by the patch. */
  isInt32?: (v: unknown) => boolean;
}
interface DecoderLike {
  readVarInt(): number;
  readVarLong(): { toString(): string };
}
type RecordHeaders = Record<string, Buffer | string | (Buffer | string)[]>;
interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
}
interface DecodedRecord {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => DecoderLike;
const KafkaLong = require('kafkajs/src/utils/long') as { fromValue(v: number | string): unknown };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: RecordInput) => EncoderLike;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: DecoderLike, ctx: object) => DecodedRecord;
const Header = require('kafkajs/src/protocol/recordBatch/header/v0') as (h: { key: string; value: Buffer | string }) => EncoderLike;

/** KafkaJS 2.2.4's record encoder before the patch: an Encoder per header, copied into the record. */
function referenceRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): Buffer {
  const list = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => ({ key: k, value: x })) : [{ key: k, value: v }]));
  const encoded = list.map(Header);
  const sizeOfBody =
    1 +
    Encoder.sizeOfVarLong(KafkaLong.fromValue(timestampDelta)) +
    Encoder.sizeOfVarInt(offsetDelta) +
    [key, value].reduce((n, b) => n + (b === null ? 1 : Encoder.sizeOfVarInt(Buffer.byteLength(b)) + Buffer.byteLength(b)), 0) +
    Encoder.sizeOfVarInt(list.length) +
    encoded.reduce((n, e) => n + e.buffer.length, 0);
  return new Encoder()
    .writeVarInt(sizeOfBody)
    .writeInt8(0)
    .writeVarLong(KafkaLong.fromValue(timestampDelta))
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(encoded).buffer;
}

const EDGES = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 8191, 8192, 2 ** 20, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31)];

describe('the KafkaJS encoder patch', () => {
  it('is applied (patch-package ran on install)', () => {
    expect(typeof Encoder.isInt32).toBe('function');
  });

  it('writes varints as the Long-based code does, for numbers in and out of the int32 range', () => {
    for (const v of [...EDGES, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, -(2 ** 45), Date.UTC(2026, 10, 25)]) {
      const patched = new Encoder().writeVarLong(v).buffer;
      expect(patched).toEqual(new Encoder().writeVarLong(KafkaLong.fromValue(v)).buffer);
      expect(Encoder.sizeOfVarLong(v)).toBe(patched.length);
      expect(new Decoder(patched).readVarLong().toString()).toBe(String(v));
    }
    for (const v of EDGES) expect(new Decoder(new Encoder().writeVarInt(v).buffer).readVarInt()).toBe(v);
  });

  it('encodes records byte for byte as before, and KafkaJS decodes them back', () => {
    const long = 'é'.repeat(200);
    const records: RecordInput[] = [
      { key: 'lead-1', value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]), headers: { 'x-model-name': 'lead_scorer', 'x-source-offset': '12345', 'x-fallback': 'breaker_open' } },
      { offsetDelta: 511, timestampDelta: 90_000, key: null, value: Buffer.alloc(5000, 1), headers: { a: ['1', Buffer.from('two')], [long]: long } },
      { offsetDelta: 3, timestampDelta: -(2 ** 33), key: Buffer.alloc(0), value: null },
    ];
    for (const r of records) {
      const bytes = Record(r).buffer;
      expect(bytes).toEqual(referenceRecord(r));
      const decoder = new Decoder(bytes);
      expect(decoder.readVarInt()).toBe(bytes.length - Encoder.sizeOfVarInt(bytes.length));
      const d = decodeRecord(decoder, { firstOffset: '100', firstTimestamp: String(2 ** 40), magicByte: 2 });
      expect(d.offset).toBe(String(100 + (r.offsetDelta ?? 0)));
      expect(d.timestamp).toBe(String(2 ** 40 + (r.timestampDelta ?? 0)));
      expect(d.key).toEqual(r.key === null ? null : Buffer.from(r.key));
      expect(d.value).toEqual(r.value === null ? null : Buffer.from(r.value));
      const asBuffers = Object.fromEntries(
        Object.entries(r.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => Buffer.from(x)) : Buffer.from(v)]),
      );
      expect(d.headers).toEqual(asBuffers);
    }
  });
});
