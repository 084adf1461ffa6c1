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

export function readNpyFloat32(file: string): { data: Float32Array; shape: number[] } {
  const buf = fs.readFileSync(file);
  const headerLength = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'descr': '<f4'")) throw new Error(`${file}: expected little-endian float32`);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const start = 10 + headerLength;
  const copy = new Uint8Array(buf.subarray(start));
  return { data: new Float32Array(copy.buffer, 0, copy.byteLength / 4), shape };
}
