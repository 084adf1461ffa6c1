import { ScorestreamError } from '../errors';
import type { ExecutionProvider } from '../infer/types';
import type { ModelManifest } from './manifest';

/** `int8` is the statically quantized model: its scores do not depend on the batch. */
export type Precision = 'fp32' | 'int8';
export type PrecisionPolicy = 'auto' | Precision;

/** How the manifest labels each precision's model file and reference scores (training/train.py). */
const FILE_PRECISION: Record<Precision, string> = { fp32: 'fp32', int8: 'int8-static' };
const REFERENCE_KEY: Record<Precision, string> = { fp32: 'fp32', int8: 'int8_static' };

/** `auto` serves INT8 only when its holdout AUC is at most this far from fp32's. */
export const INT8_AUC_TOLERANCE = 0.003;

export interface PrecisionChoice {
  readonly precision: Precision;
  /** Why `auto` did not choose INT8; absent when it did, or when the precision was set. */
  readonly why?: string;
}

const auc = (metrics: ModelManifest['metrics'], key: string): number | undefined => {
  const m = metrics[key];
  const v = m !== null && typeof m === 'object' ? (m as Record<string, unknown>).auc : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** Why the manifest's static INT8 model may not serve by default, or undefined when it may. */
function int8Refusal(manifest: ModelManifest): string | undefined {
  if (modelFile(manifest, 'int8') === undefined) return 'the version has no statically quantized model (trained by an earlier scorestream): retrain it to serve INT8';
  const fp32 = auc(manifest.metrics, 'fp32');
  const int8 = auc(manifest.metrics, 'int8_static');
  if (fp32 === undefined || int8 === undefined) return 'its manifest records no holdout AUC of the static INT8 model to compare with fp32';
  const dependence = manifest.metrics.int8_static_batch_dependence_max_abs;
  if (dependence !== 0) return `its static INT8 scores were not shown to be independent of the batch at training (recorded: ${JSON.stringify(dependence ?? null)})`;
  const delta = int8 - fp32;
  if (!(Math.abs(delta) <= INT8_AUC_TOLERANCE)) {
    return `its static INT8 holdout AUC ${int8} is ${Math.abs(delta).toFixed(6)} from fp32's ${fp32}, more than the ${INT8_AUC_TOLERANCE} allowed`;
  }
  return undefined;
}

/**
 * The precision a version is served in. `auto` (the default) serves the static INT8 model on
 * the cpu provider when training showed it as good as fp32 and batch-independent, and fp32
 * otherwise, saying why; a precision that is set is served or the version is refused.
 */
export function choosePrecision(policy: PrecisionPolicy, manifest: ModelManifest, provider: ExecutionProvider): PrecisionChoice {
  if (policy !== 'auto') return { precision: policy };
  if (provider !== 'cpu') return { precision: 'fp32', why: `INT8 is chosen automatically on the cpu provider only (set models.precision=int8 to serve it on ${provider})` };
  const refusal = int8Refusal(manifest);
  return refusal === undefined ? { precision: 'int8' } : { precision: 'fp32', why: refusal };
}

/** The version's model file of `precision`, found by the precision the manifest gives it. */
export function modelFile(manifest: ModelManifest, precision: Precision): string | undefined {
  const label = FILE_PRECISION[precision];
  return Object.keys(manifest.files).find((f) => f.endsWith('.onnx') && manifest.files[f]?.precision === label);
}

/** The reference scores recorded for `precision`, if the version has them. */
export function referenceScoresFile(manifest: ModelManifest, precision: Precision): string | undefined {
  return manifest.reference.scores[REFERENCE_KEY[precision]];
}

/** The model file and reference scores of `precision`; throws when the version lacks either. */
export function precisionFiles(manifest: ModelManifest, precision: Precision, where: string): { model: string; referenceScores: string } {
  const model = modelFile(manifest, precision);
  const referenceScores = referenceScoresFile(manifest, precision);
  if (model === undefined || referenceScores === undefined) {
    const what = precision === 'int8' ? 'statically quantized model (precision int8-static) with reference scores' : 'fp32 model with reference scores';
    throw new ScorestreamError('MODEL_PRECISION_UNAVAILABLE', `${where}: its manifest lists no ${what}; retrain it, or set models.precision to ${precision === 'int8' ? 'fp32 or auto' : 'auto'}`);
  }
  return { model, referenceScores };
}
