import { hash as xxh32 } from 'lz4js/xxh32';

const MAGIC = 0x184d2204;
const BLOCK_BYTES = 64 * 1024;
/** Frame version 01 and independent blocks; no block or content checksum, no content size. */
const FLG = 0x60;
/** Blocks of at most 64 KiB. */
const BD = 0x40;
const MIN_MATCH = 4;
/** The LZ4 block format's end rules: the last 5 bytes are literals, and no match starts in the last 12. */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

const table = new Int32Array(1 << 16);
const scratch = new Uint8Array(BLOCK_BYTES + Math.ceil(BLOCK_BYTES / 255) + 16);

const read32 = (b: Uint8Array, i: number): number => (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
const hash = (seq: number): number => Math.imul(seq, 2654435761) >>> 16;

/** Writes a length's continuation bytes (after the 15 its token field holds) at `d`; returns the next index. */
function writeLength(dst: Uint8Array, d: number, rest: number): number {
  let n = rest;
  for (; n >= 255; n -= 255) dst[d++] = 255;
  dst[d++] = n;
  return d;
}

/** One sequence: `literals` bytes of `src` from `anchor`, then a match (offset, length) unless offset is 0 (the last sequence). */
function writeSequence(src: Uint8Array, anchor: number, literals: number, dst: Uint8Array, d: number, offset: number, matchLength: number): number {
  const ml = offset === 0 ? 0 : matchLength - MIN_MATCH;
  const at = d++;
  dst[at] = ((literals < 15 ? literals : 15) << 4) | (ml < 15 ? ml : 15);
  if (literals >= 15) d = writeLength(dst, d, literals - 15);
  dst.set(src.subarray(anchor, anchor + literals), d);
  d += literals;
  if (offset === 0) return d;
  dst[d++] = offset & 0xff;
  dst[d++] = offset >>> 8;
  if (ml >= 15) d = writeLength(dst, d, ml - 15);
  return d;
}

/**
 * `src[start, start + n)` as one LZ4 block in `dst` (greedy matching over a 64 KiB window), by the
 * block format's end rules, which lz4js's compressor does not keep (its last match may start
 * within 12 bytes of the end: liblz4, which the broker runs through lz4-java, refuses the block).
 */
function compressBlock(src: Uint8Array, start: number, n: number, dst: Uint8Array): number {
  const end = start + n;
  const matchEnd = end - LAST_LITERALS;
  const lastMatchStart = end - MF_LIMIT;
  table.fill(-1);
  let d = 0;
  let anchor = start;
  let i = start;
  while (i < lastMatchStart) {
    const seq = read32(src, i);
    const h = hash(seq);
    const ref = table[h] as number;
    table[h] = i;
    if (ref < 0 || i - ref > 0xffff || read32(src, ref) !== seq) {
      i++;
      continue;
    }
    let length = MIN_MATCH;
    while (i + length < matchEnd && src[i + length] === src[ref + length]) length++;
    d = writeSequence(src, anchor, i - anchor, dst, d, i - ref, length);
    i += length;
    anchor = i;
  }
  return writeSequence(src, anchor, end - anchor, dst, d, 0, 0);
}

/**
 * One LZ4 frame of `src` as Kafka's Java code reads it (KafkaLZ4BlockInputStream over lz4-java,
 * which the broker runs on every compressed batch it accepts): independent blocks, the descriptor
 * checksum over FLG and BD. lz4js's own frame leaves the block-independence flag unset, which the
 * broker refuses.
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
    const size = compressBlock(src, start, n, scratch);
    if (size >= n) {
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
