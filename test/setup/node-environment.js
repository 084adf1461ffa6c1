// jest runs each test file in a vm context with its own typed-array constructors, but
// onnxruntime-node's native binding creates its tensors' data with Node's own: `instanceof
// Float32Array` then fails inside onnxruntime-common. Sharing Node's constructors with the test
// context lets the real ONNX Runtime run under jest.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class NodeRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NodeRealmEnvironment;
