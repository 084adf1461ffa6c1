import fs from 'node:fs';
import path from 'node:path';
import { externalDataTensors } from '../../../src/registry/onnx-external-data';
import { bytesField, intField } from '../../helpers/onnx-graph';

/** The few bytes of ONNX that matter here, with the protobuf primitives of the ONNX test helper. */
const text = (s: string): number[] => [...Buffer.from(s)];

const externalTensor = (name: string): number[] => [...bytesField(8, text(name)), ...intField(14, 1)];
const graphWith = (tensor: number[]): number[] => bytesField(7, bytesField(5, tensor));

describe('externalDataTensors', () => {
  const shipped = fs.readFileSync(path.resolve(__dirname, '../../../models/lead_scorer/1.0.0/model.onnx'));

  it('finds nothing in the shipped, self-contained models', () => {
    expect(externalDataTensors(shipped)).toEqual([]);
  });

  it('finds an initializer whose data lives in another file', () => {
    expect(externalDataTensors(Uint8Array.from(graphWith(externalTensor('weights'))))).toEqual(['weights']);
  });

  it('finds it appended to a real model, and inside a subgraph attribute', () => {
    const appended = Buffer.concat([shipped, Buffer.from(graphWith(externalTensor('w2')))]);
    expect(externalDataTensors(appended)).toEqual(['w2']);
    const node = bytesField(5, bytesField(6, bytesField(5, [...bytesField(8, text('inner')), ...bytesField(13, text('location'))])));
    expect(externalDataTensors(Uint8Array.from(bytesField(7, bytesField(1, node))))).toEqual(['inner']);
  });
});
