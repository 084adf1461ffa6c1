import { metadataProblems } from '../../../src/infer/remote-inference';
import type { ModelMetadataResponse } from '../../../src/infer/remote/oip-protocol';

/** What the remote backend accepts of a server's model metadata, as Triton and MLServer answer it. */
const id = { name: 'lead_scorer', version: '1.1.0', serverVersion: '1001000' };
const signature = { inputName: 'features', outputName: 'probabilities', features: 24, scoreColumn: 1 };
const meta = (over: Partial<ModelMetadataResponse> = {}): ModelMetadataResponse => ({
  name: 'lead_scorer',
  versions: ['1001000'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'features', datatype: 'FP32', shape: ['-1', '24'] }],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: ['-1', '2'] }],
  ...over,
});

describe('metadataProblems', () => {
  it("accepts Triton's answer (the version asked for listed) and MLServer's (no versions listed)", () => {
    expect(metadataProblems(meta(), id, signature)).toEqual([]);
    expect(metadataProblems(meta({ versions: [] }), id, signature)).toEqual([]);
  });

  it('names each difference: another model, other versions, inputs, outputs', () => {
    expect(
      metadataProblems(
        meta({ name: 'churn_predictor', versions: ['1000000'], inputs: [{ name: 'features', datatype: 'FP32', shape: ['-1', '14'] }], outputs: [{ name: 'probabilities', datatype: 'FP32', shape: ['-1', '1'] }] }),
        id,
        signature,
      ),
    ).toEqual([
      'it answers for model churn_predictor',
      'it lists versions [1000000], not 1001000',
      "its input features is FP32 [-1, 14], the manifest's FP32 [-1, 24]",
      'its output probabilities is FP32 [-1, 1], the manifest needs FP32 with column 1',
    ]);
    expect(metadataProblems(meta({ inputs: [{ name: 'x', datatype: 'FP32', shape: ['-1', '24'] }] }), id, signature)).toEqual(["its inputs are [x], the manifest's [features]"]);
  });
});
