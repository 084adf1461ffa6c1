/**
 * Finds tensors that keep their data outside the .onnx file (TensorProto.data_location = EXTERNAL
 * or external_data entries). Loading such a model from bytes would make ONNX Runtime read paths
 * named inside the model, so the registry refuses them. A minimal protobuf walk over the message
 * fields that can hold tensors (onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 * FunctionProto, SparseTensorProto) is enough; no ONNX parser is needed in Node.
 */
type Walk = (buf: Uint8Array, start: number, end: number, found: string[]) => void;

function varint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos++] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Calls `onField(field, wireType, valueStart, valueEnd, varintValue)` for each field in [start, end). */
function fields(buf: Uint8Array, start: number, end: number, onField: (field: number, wire: number, s: number, e: number, v: number) => void): void {
  let pos = start;
  while (pos < end) {
    const [key, afterKey] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    pos = afterKey;
    if (wire === 0) {
      const [v, next] = varint(buf, pos);
      onField(field, wire, pos, next, v);
      pos = next;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 2) {
      const [len, next] = varint(buf, pos);
      onField(field, wire, next, next + len, len);
      pos = next + len;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    if (pos > end) throw new Error('truncated field');
  }
}

const tensor: Walk = (buf, start, end, found) => {
  let name = '';
  let external = false;
  fields(buf, start, end, (field, wire, s, e, v) => {
    if (field === 8 && wire === 2) name = Buffer.from(buf.subarray(s, e)).toString('utf8');
    if (field === 13 && wire === 2) external = true; // external_data
    if (field === 14 && wire === 0 && v === 1) external = true; // data_location = EXTERNAL
  });
  if (external) found.push(name || '(unnamed tensor)');
};

const sparseTensor: Walk = (buf, start, end, found) =>
  fields(buf, start, end, (field, wire, s, e) => {
    if ((field === 1 || field === 2) && wire === 2) tensor(buf, s, e, found);
  });

const attribute: Walk = (buf, start, end, found) =>
  fields(buf, start, end, (field, wire, s, e) => {
    if (wire !== 2) return;
    if (field === 5 || field === 10) tensor(buf, s, e, found);
    if (field === 6 || field === 11) graph(buf, s, e, found);
    if (field === 22 || field === 23) sparseTensor(buf, s, e, found);
  });

const node: Walk = (buf, start, end, found) =>
  fields(buf, start, end, (field, wire, s, e) => {
    if (field === 5 && wire === 2) attribute(buf, s, e, found);
  });

const graph: Walk = (buf, start, end, found) =>
  fields(buf, start, end, (field, wire, s, e) => {
    if (wire !== 2) return;
    if (field === 1) node(buf, s, e, found);
    if (field === 5) tensor(buf, s, e, found);
    if (field === 15) sparseTensor(buf, s, e, found);
  });

const fn: Walk = (buf, start, end, found) =>
  fields(buf, start, end, (field, wire, s, e) => {
    if (field === 7 && wire === 2) node(buf, s, e, found);
  });

/** Names of tensors stored outside the model; empty for a self-contained model. */
export function externalDataTensors(model: Uint8Array): string[] {
  const found: string[] = [];
  fields(model, 0, model.length, (field, wire, s, e) => {
    if (field === 7 && wire === 2) graph(model, s, e, found);
    if (field === 25 && wire === 2) fn(model, s, e, found);
  });
  return found;
}
