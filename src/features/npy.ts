import fs from 'node:fs';

/**
 * NumPy .npy (format 1.0) for the training tables: exact float32/float64 values with no text
 * round-trip, and `numpy.load` reads them as they are.
 */
export function writeNpy(file: string, data: Float32Array | Float64Array, shape: readonly number[]): void {
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

/** A little-endian float32 .npy (format 1.x, C order) from its bytes; throws saying what is wrong with `what`. */
export function parseNpyFloat32(bytes: Uint8Array, what: string): { data: Float32Array; shape: number[] } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const invalid = (why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY' || buf[6] !== 1) invalid('not a NumPy .npy file (format 1.x)');
  const headerLength = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLength);
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False")) invalid('expected little-endian float32 in C order');
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const start = 10 + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || buf.length - start !== count * 4) invalid(`shape (${shape.join(', ')}) does not match its ${buf.length - start} data bytes`);
  // A copy: aligned for Float32Array, and independent of the file's buffer.
  const data = new Float32Array(count);
  Buffer.from(data.buffer).set(buf.subarray(start));
  return { data, shape };
}

export function readNpyFloat32(file: string): { data: Float32Array; shape: number[] } {
  return parseNpyFloat32(fs.readFileSync(file), file);
}
