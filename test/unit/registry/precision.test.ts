import fs from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../../src/registry/manifest';
import { choosePrecision, modelFile, precisionFiles } from '../../../src/registry/precision';

const MODELS = path.resolve(__dirname, '..', '..', '..', 'models');
type Json = Record<string, unknown> & { metrics: Record<string, unknown>; files: Record<string, { precision?: string }>; reference: { scores: Record<string, string> } };
const shipped = (): Json => JSON.parse(fs.readFileSync(path.join(MODELS, 'lead_scorer', '1.1.0', 'manifest.json'), 'utf8')) as Json;
const manifest = (edit: (m: Json) => void = () => undefined): ReturnType<typeof parseManifest> => {
  const m = shipped();
  edit(m);
  return parseManifest(m, 'lead_scorer 1.1.0');
};

/** A manifest as training wrote it before static quantization: no static model; the dynamic one's reference scores under `int8`. */
const beforeStatic = (m: Json): void => {
  delete m.files['model.int8-static.onnx'];
  delete m.files['reference-scores.int8-static.npy'];
  m.reference.scores = { fp32: 'reference-scores.fp32.npy', int8: 'reference-scores.int8.npy' };
  m.metrics = { fp32: { auc: 0.846 }, int8: { auc: 0.846 }, int8_within_tolerance: true, int8_batch_dependence_max_abs: 0.04 };
};

describe('choosePrecision', () => {
  it('auto serves the shipped versions in static INT8 on the cpu provider', () => {
    for (const [model, version] of [['lead_scorer', '1.0.0'], ['lead_scorer', '1.1.0'], ['property_matcher', '1.0.0'], ['churn_predictor', '1.0.0']] as const) {
      const m = parseManifest(JSON.parse(fs.readFileSync(path.join(MODELS, model, version, 'manifest.json'), 'utf8')), `${model} ${version}`);
      expect(choosePrecision('auto', m, 'cpu')).toEqual({ precision: 'int8' });
      expect(precisionFiles(m, 'int8', '')).toEqual({ model: 'model.int8-static.onnx', referenceScores: 'reference-scores.int8-static.npy' });
      expect(precisionFiles(m, 'fp32', '')).toEqual({ model: 'model.onnx', referenceScores: 'reference-scores.fp32.npy' });
    }
  });

  it('auto serves fp32, saying why, when the static AUC is more than 0.003 from fp32', () => {
    const m = manifest((j) => (j.metrics.int8_static = { auc: (j.metrics.fp32 as { auc: number }).auc - 0.0031 }));
    const choice = choosePrecision('auto', m, 'cpu');
    expect(choice.precision).toBe('fp32');
    expect(choice.why).toMatch(/^its static INT8 holdout AUC [\d.]+ is 0\.00310\d from fp32's [\d.]+, more than the 0\.003 allowed$/);
    expect(choosePrecision('auto', manifest((j) => (j.metrics.int8_static = { auc: (j.metrics.fp32 as { auc: number }).auc + 0.0029 })), 'cpu')).toEqual({ precision: 'int8' });
  });

  it('auto serves fp32 when batch independence was not shown at training', () => {
    expect(choosePrecision('auto', manifest((j) => (j.metrics.int8_static_batch_dependence_max_abs = 1e-7)), 'cpu')).toEqual({
      precision: 'fp32',
      why: 'its static INT8 scores were not shown to be independent of the batch at training (recorded: 1e-7)',
    });
    expect(choosePrecision('auto', manifest((j) => delete j.metrics.int8_static_batch_dependence_max_abs), 'cpu').precision).toBe('fp32');
  });

  it('a version trained before static quantization: auto serves fp32, int8 is refused, its dynamic model is never served', () => {
    const m = manifest(beforeStatic);
    expect(modelFile(m, 'int8')).toBeUndefined();
    expect(choosePrecision('auto', m, 'cpu')).toEqual({ precision: 'fp32', why: 'the version has no statically quantized model (trained by an earlier scorestream): retrain it to serve INT8' });
    expect(() => precisionFiles(m, 'int8', 'lead_scorer 1.1.0')).toThrow(
      expect.objectContaining({ code: 'MODEL_PRECISION_UNAVAILABLE', message: 'lead_scorer 1.1.0: its manifest lists no statically quantized model (precision int8-static) with reference scores; retrain it, or set models.precision to fp32 or auto' }),
    );
    expect(precisionFiles(m, 'fp32', '')).toEqual({ model: 'model.onnx', referenceScores: 'reference-scores.fp32.npy' });
  });

  it('auto serves fp32 on another provider; a precision that is set is served as set', () => {
    expect(choosePrecision('auto', manifest(), 'cuda')).toEqual({ precision: 'fp32', why: 'INT8 is chosen automatically on the cpu provider only (set models.precision=int8 to serve it on cuda)' });
    expect(choosePrecision('int8', manifest((j) => (j.metrics.int8_static = { auc: 0.5 })), 'cpu')).toEqual({ precision: 'int8' });
    expect(choosePrecision('fp32', manifest(), 'cpu')).toEqual({ precision: 'fp32' });
  });
});
