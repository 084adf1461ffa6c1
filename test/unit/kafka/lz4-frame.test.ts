import { decompress } from 'lz4js';
import { lz4Frame } from '../../../src/kafka/lz4-frame';

/** lz4Frame writes frames with independent blocks (what Kafka's Java code requires) that any LZ4 frame reader reads back. */
describe('lz4Frame', () => {
  const random = (n: number, seed: number): Uint8Array => {
    let x = seed;
    return Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) & 0xff);
  };
  const repetitive = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 'lead-0000042|LISTING_VIEW|'.charCodeAt(i % 26));

  it.each([
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(7)],
    ['one full block of repetitive bytes', repetitive(65_536)],
    ['a block and a byte', repetitive(65_537)],
    ['several blocks of random bytes (stored uncompressed)', random(200_000, 3)],
    ['several blocks of repetitive bytes', repetitive(300_000)],
  ])('%s round-trips', (_name, src) => {
    const frame = lz4Frame(src);
    expect(Buffer.from(decompress(frame))).toEqual(Buffer.from(src));
  });

  it('declares independent 64 KiB blocks and compresses what repeats', () => {
    const frame = lz4Frame(repetitive(300_000));
    expect([...frame.subarray(0, 6)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
    expect(frame.length).toBeLessThan(300_000 / 20);
  });
});
