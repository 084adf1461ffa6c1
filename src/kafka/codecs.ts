import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import snappyCodec from 'kafkajs-snappy';
import { decompress as lz4Decompress } from 'lz4js';
import { lz4Frame } from './lz4-frame';

/** What KafkaJS asks of a codec: `compress` gets its record encoder, `decompress` a batch's bytes. */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A codec scorestream reads but does not write: writing zstd is not a setting it offers (no pure-JavaScript compressor). */
const readOnly = (name: string, decompress: (b: Buffer) => Buffer | Promise<Buffer>): (() => Codec) => () => ({
  compress: () => Promise.reject(new Error(`scorestream reads ${name}-compressed records but does not write them`)),
  decompress: async (buffer) => decompress(buffer),
});

let registered = false;

/**
 * KafkaJS reads only gzip out of the box and fails the whole fetch (the consumer crashes) on a
 * record batch compressed with snappy, lz4 or zstd, which other clients write whenever their
 * compression.type says so. These pure-JavaScript codecs read all three, as Kafka frames them
 * (snappy raw or in the Java client's xerial framing; lz4 and zstd frames), in every client of
 * the process, and write snappy (raw) and lz4 (one frame) for kafka.compression. Registered once,
 * before any client fetches or produces.
 */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = snappyCodec;
  codecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder) => lz4Frame(encoder.buffer),
    decompress: async (buffer) => asBuffer(lz4Decompress(buffer)),
  });
  codecs[CompressionTypes.ZSTD] = readOnly('zstd', (b) => asBuffer(zstdDecompress(b)));
}
