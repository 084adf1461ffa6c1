// The parts of the pure-JavaScript compression packages scorestream uses; they ship no types.
declare module 'kafkajs-snappy' {
  /** KafkaJS's codec for Kafka's snappy (raw, or the xerial framing of the Java client). */
  const codec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export = codec;
}

declare module 'lz4js' {
  /** Decompresses an LZ4 frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Compresses into an LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /**
   * Compresses `src[sIndex, sIndex + sLength)` into one LZ4 block at the start of `dst` (at least
   * compressBound(sLength) long), matching against the positions `hashTable` (65,536 entries)
   * remembers; 0 or a length of `sLength` or more: keep the block uncompressed.
   */
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  export function compressBound(n: number): number;
}

declare module 'lz4js/xxh32' {
  /** xxHash32 of `src[index, index + len)`. */
  export function hash(seed: number, src: Uint8Array, index: number, len: number): number;
}
