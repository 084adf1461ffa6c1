import type { InferenceCombiner } from '../batch/inference-combiner';
import type { ResultCache } from '../cache/result-cache';
import { MODEL_FEATURES, type ModelName } from '../features/spec';
import type { ModelRegistry, ScoreResult } from '../registry/registry';

/**
 * Scores rows of one model for one partition batch: cached scores for the active version first,
 * the rest through the combiner. If the version changed in between (a hot swap), everything is
 * scored again, so that every record is scored wholly by one version. Model scores (never
 * fallback ones) are cached afterwards; the cache is outside the transaction, as it may be lost.
 */
export async function scoreRows(model: ModelName, rows: Float32Array, count: number, registry: ModelRegistry, combiner: InferenceCombiner, cache: ResultCache): Promise<ScoreResult> {
  const width = MODEL_FEATURES[model].length;
  const active = registry.active(model);
  if (count === 0 || !active || !cache.enabled) return combiner.score(model, rows, count);
  const keys = cache.keys(model, active.version, active.sha256, rows, count, width);
  const cached = await cache.get(keys);
  const missing = cached.flatMap((v, i) => (v === undefined ? [i] : []));
  const scores = new Float32Array(count);
  cached.forEach((v, i) => (scores[i] = v ?? 0));
  if (missing.length === 0) return { scores, model, version: active.version, sha256: active.sha256, precision: active.precision, fallback: null };
  const subset = new Float32Array(missing.length * width);
  missing.forEach((row, j) => subset.set(rows.subarray(row * width, (row + 1) * width), j * width));
  const result = await combiner.score(model, subset, missing.length);
  if (result.version !== active.version) return combiner.score(model, rows, count);
  missing.forEach((row, j) => (scores[row] = result.scores[j] as number));
  if (result.fallback === null) await cache.put(missing.map((row, j) => [keys[row] as string, result.scores[j] as number] as const));
  return { ...result, scores };
}
