/**
 * Builds tiny ONNX models byte by byte (protobuf, onnx.proto field numbers), so tests can make a
 * version that misbehaves on chosen rows without Python: `features [N, F] -> probabilities [N, 2]`
 * computed as `x W + b`, optionally followed by an element-wise op (Sqrt gives NaN below zero).
 */
export const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
export const bytesField = (field: number, payload: readonly number[]): number[] => [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
export const intField = (field: number, v: number): number[] => [...varint(field * 8), ...varint(v)];
const text = (field: number, s: string): number[] => bytesField(field, [...Buffer.from(s, 'utf8')]);

const FLOAT = 1;

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian float32). */
function tensor(name: string, dims: readonly number[], values: readonly number[]): number[] {
  const raw = Buffer.from(Float32Array.from(values).buffer);
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, FLOAT), ...text(8, name), ...bytesField(9, [...raw])];
}

/** ValueInfoProto of a float tensor [N, width]: name (1), type (2) { tensor_type (1) { elem_type (1), shape (2) } }. */
function valueInfo(name: string, width: number): number[] {
  const dim = (d: number[]): number[] => bytesField(1, d);
  const shape = bytesField(2, [...dim(text(2, 'N')), ...dim(intField(1, width))]);
  return [...text(1, name), ...bytesField(2, bytesField(1, [...intField(1, FLOAT), ...shape]))];
}

/** NodeProto: input (1), output (2), name (3), op_type (4). */
function node(op: string, inputs: readonly string[], output: string): number[] {
  return [...inputs.flatMap((i) => text(1, i)), ...text(2, output), ...text(3, `${op}_${output}`), ...text(4, op)];
}

export interface LinearModel {
  /** F rows of [column 0 weight, column 1 weight]. */
  readonly weights: readonly (readonly [number, number])[];
  readonly bias: readonly [number, number];
  /** Applied element-wise after `x W + b`. */
  readonly then?: 'Sqrt';
}

/** A self-contained ONNX model (IR 8, opset 17) reading `features` and writing `probabilities`. */
export function linearOnnx(m: LinearModel): Buffer {
  const f = m.weights.length;
  const last = m.then ? 'linear' : 'probabilities';
  const nodes = [node('MatMul', ['features', 'W'], 'xw'), node('Add', ['xw', 'b'], last), ...(m.then ? [node(m.then, [last], 'probabilities')] : [])];
  const graph = [
    ...nodes.flatMap((n) => bytesField(1, n)),
    ...text(2, 'test'),
    ...bytesField(5, tensor('W', [f, 2], m.weights.flat())),
    ...bytesField(5, tensor('b', [2], m.bias)),
    ...bytesField(11, valueInfo('features', f)),
    ...bytesField(12, valueInfo('probabilities', 2)),
  ];
  const opset = bytesField(8, [...text(1, ''), ...intField(2, 17)]);
  return Buffer.from([...intField(1, 8), ...text(2, 'scorestream-tests'), ...opset, ...bytesField(7, graph)]);
}
