import { ScorestreamError, errorMessage } from '../errors';
import { parseNpyFloat32 as parseNpy } from '../features/npy';
import type { ServingProvider } from '../infer/types';

export type ReferencePrecision = 'fp32' | 'int8';

/**
 * How far a score on a reference row may be from the one training recorded for the precision
 * that is loaded. fp32 and static INT8 on CPU agree with Python to 1e-5
 * (test/integration/infer/parity.test.ts), but an INT8 activation's rounding step can flip on
 * another CPU whose float kernels differ in the last bit; CUDA kernels sum in other orders and may
 * use TF32. The point is to catch another model, another output column or broken weights, whose
 * scores differ by far more, without refusing a good version for arithmetic noise.
 */
export function referenceTolerance(precision: ReferencePrecision, provider: ServingProvider): number {
  // An inference server runs the same ONNX file, on a CPU or a GPU of its own.
  if (provider === 'remote') return 1e-3;
  if (provider !== 'cpu') return 1e-2;
  return precision === 'fp32' ? 1e-4 : 1e-3;
}

/** A little-endian float32 .npy (format 1.x, C order), from bytes already checked against the manifest. */
export function parseNpyFloat32(bytes: Uint8Array, what: string): { data: Float32Array; shape: number[] } {
  try {
    return parseNpy(bytes, what);
  } catch (err: unknown) {
    throw new ScorestreamError('MODEL_MANIFEST_INVALID', errorMessage(err), { cause: err });
  }
}

const round = (x: number | undefined): number => Number((x ?? NaN).toPrecision(6));

/**
 * Why the scores a version gave on its reference rows make it unfit to serve, or undefined:
 * a score that is not a probability, or one farther from training's than the tolerance.
 */
export function referenceProblem(scores: Float32Array, recorded: Float32Array, tolerance: number, precision: ReferencePrecision): string | undefined {
  const bad = scores.findIndex((s) => !(s >= 0 && s <= 1));
  if (bad >= 0) return `its reference row ${bad} scored ${scores[bad]}, not a probability`;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < scores.length; i++) {
    const d = Math.abs((scores[i] as number) - (recorded[i] as number));
    if (d > worst) [worst, at] = [d, i];
  }
  if (worst > tolerance) {
    return `its scores on ${scores.length} reference rows differ from those recorded at training by up to ${worst.toPrecision(3)} (row ${at}: ${round(scores[at])} against ${round(recorded[at])}; ${precision} tolerance ${tolerance})`;
  }
  return undefined;
}

/** The largest difference between two score arrays of one length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}
