import { ScorestreamError } from '../errors';
import type { FeatureSpec } from '../features/spec';

/** manifest.json as training writes it (training/train.py); only what serving reads is typed. */
export interface ManifestFile {
  readonly sha256: string;
  readonly bytes: number;
  readonly precision: string | undefined;
}

/**
 * Holdout rows shipped with the version and the scores training computed for them, per precision:
 * `fp32` always; `int8_static` and `int8_dynamic` from versions trained with static quantization.
 */
export interface ManifestReference {
  readonly rows: string;
  readonly count: number;
  readonly scores: Readonly<Record<string, string>> & { readonly fp32: string };
}

export interface ModelManifest {
  readonly name: string;
  readonly version: string;
  readonly input: { readonly name: string; readonly features: number };
  /** `width`: the output's columns, when the manifest gives them (the version's files say so anyway). */
  readonly output: { readonly name: string; readonly scoreColumn: number; readonly width: number | undefined };
  readonly features: readonly FeatureSpec[];
  readonly files: Readonly<Record<string, ManifestFile>>;
  readonly reference: ManifestReference;
  readonly metrics: Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${where}: ${what}`);
}
function obj(v: unknown, where: string, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(where, `${what} must be an object`);
  return v as Obj;
}
function arr(v: unknown, where: string, what: string): unknown[] {
  if (!Array.isArray(v)) fail(where, `${what} must be an array`);
  return v;
}
function str(v: unknown, where: string, what: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(where, `${what} must be a non-empty string`);
  return v;
}
function num(v: unknown, where: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `${what} must be a finite number`);
  return v;
}

/** A file of the version directory: a plain name, so a manifest cannot point elsewhere. */
function fileName(v: unknown, where: string, what: string): string {
  const name = str(v, where, what);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) fail(where, `${what} must be a file name in the version directory, not ${JSON.stringify(name)}`);
  return name;
}

/** `where` names the manifest in messages (model, version, file), never a local path. */
export function parseManifest(json: unknown, where: string): ModelManifest {
  const m = obj(json, where, 'the manifest');
  const input = obj(arr(m.inputs, where, 'inputs')[0], where, 'inputs[0]');
  const output = obj(arr(m.outputs, where, 'outputs')[0], where, 'outputs[0]');
  const inputShape = arr(input.shape, where, 'inputs[0].shape');
  const features = arr(m.features, where, 'features').map((f, i): FeatureSpec => {
    const o = obj(f, where, `features[${i}]`);
    if (o.dtype !== 'float32') fail(where, `features[${i}].dtype must be float32`);
    return { name: str(o.name, where, `features[${i}].name`), dtype: 'float32', min: num(o.min, where, `features[${i}].min`), max: num(o.max, where, `features[${i}].max`), doc: typeof o.doc === 'string' ? o.doc : '' };
  });
  const files: Record<string, ManifestFile> = {};
  for (const [file, entry] of Object.entries(obj(m.files, where, 'files'))) {
    fileName(file, where, 'a key of files');
    const e = obj(entry, where, `files.${file}`);
    const sha256 = str(e.sha256, where, `files.${file}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(where, `files.${file}.sha256 is not a SHA-256 hex digest`);
    files[file] = { sha256, bytes: num(e.bytes, where, `files.${file}.bytes`), precision: e.precision === undefined ? undefined : str(e.precision, where, `files.${file}.precision`) };
  }
  if (m.reference === undefined) fail(where, 'lists no reference rows to check the model with; retrain the version (training/train.sh writes them)');
  const ref = obj(m.reference, where, 'reference');
  const refScores = obj(ref.scores, where, 'reference.scores');
  const scores: Record<string, string> = {};
  for (const [key, file] of Object.entries(refScores)) scores[key] = fileName(file, where, `reference.scores.${key}`);
  const reference: ManifestReference = {
    rows: fileName(ref.rows, where, 'reference.rows'),
    count: num(ref.count, where, 'reference.count'),
    scores: { ...scores, fp32: fileName(refScores.fp32, where, 'reference.scores.fp32') },
  };
  for (const file of [reference.rows, ...Object.values(reference.scores)]) {
    if (!files[file]) fail(where, `the reference file ${file} is not listed in files (so no checksum covers it)`);
  }
  if (!Number.isInteger(reference.count) || reference.count < 1) fail(where, 'reference.count must be a positive integer');
  const metrics = obj(m.metrics, where, 'metrics');
  const width = num(inputShape[1], where, 'inputs[0].shape[1]');
  if (width !== features.length) fail(where, `inputs[0] has ${width} columns but ${features.length} features are listed`);
  return {
    name: str(m.name, where, 'name'),
    version: str(m.version, where, 'version'),
    input: { name: str(input.name, where, 'inputs[0].name'), features: width },
    output: {
      name: str(output.name, where, 'outputs[0].name'),
      scoreColumn: num(output.score_column, where, 'outputs[0].score_column'),
      width: Array.isArray(output.shape) && typeof output.shape[1] === 'number' ? output.shape[1] : undefined,
    },
    features,
    files,
    reference,
    metrics,
  };
}
