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
}

declare module 'lz4js/xxh32' {
  /** xxHash32 of `src[index, index + len)`. */
  export function hash(seed: number, src: Uint8Array, index: number, len: number): number;
}
