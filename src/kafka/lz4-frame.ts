import { compressBlock, compressBound } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32';

const MAGIC = 0x184d2204;
const BLOCK_BYTES = 64 * 1024;
/** Frame version 01 and independent blocks; no block or content checksum, no content size. */
const FLG = 0x60;
/** Blocks of at most 64 KiB. */
const BD = 0x40;

const table = new Uint32Array(1 << 16);
const scratch = new Uint8Array(compressBound(BLOCK_BYTES));

/**
 * One LZ4 frame of `src` as Kafka's Java code reads it (KafkaLZ4BlockInputStream, which the
 * broker runs on every compressed batch it accepts): independent blocks, the descriptor checksum
 * over FLG and BD. lz4js's own frame leaves the block-independence flag unset, which the broker
 * refuses. Each block is compressed on its own (the match table cleared), so none refers to
 * another.
 */
export function lz4Frame(src: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(7 + Math.ceil(src.length / BLOCK_BYTES) * (4 + BLOCK_BYTES) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG;
  out[5] = BD;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff;
  let at = 7;
  for (let start = 0; start < src.length; start += BLOCK_BYTES) {
    const n = Math.min(BLOCK_BYTES, src.length - start);
    table.fill(0);
    const size = compressBlock(src, scratch, start, n, table);
    if (size === 0 || size >= n) {
      // Stored as it is: the high bit marks an uncompressed block.
      out.writeUInt32LE((0x80000000 | n) >>> 0, at);
      out.set(src.subarray(start, start + n), at + 4);
      at += 4 + n;
    } else {
      out.writeUInt32LE(size, at);
      out.set(scratch.subarray(0, size), at + 4);
      at += 4 + size;
    }
  }
  out.writeUInt32LE(0, at);
  return out.subarray(0, at + 4);
}
