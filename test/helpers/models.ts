import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpyFloat32 } from '../../src/features/npy';
import { LEAD_FEATURES, MODEL_NAMES } from '../../src/features/spec';
import { MainThreadInference } from '../../src/infer/main-thread-inference';
import { discoverVersions } from '../../src/registry/discover';
import { parseManifest } from '../../src/registry/manifest';
import { choosePrecision, precisionFiles } from '../../src/registry/precision';
import type { RegistryOptions } from '../../src/registry/registry';

/** Every model on the `latest` policy. */
export const LATEST: RegistryOptions['versions'] = { lead_scorer: 'latest', churn_predictor: 'latest', property_matcher: 'latest' };

/** lead_scorer-shaped rows: feature minimums, with log_page_views_7d (column 0) set per row. */
export function leadRows(pageViews: readonly number[]): Float32Array {
  const width = LEAD_FEATURES.length;
  const out = new Float32Array(pageViews.length * width);
  pageViews.forEach((v, i) => {
    LEAD_FEATURES.forEach((f, j) => (out[i * width + j] = f.min));
    out[i * width] = v;
  });
  return out;
}

export const MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

/**
 * A scratch copy of the shipped models at their first release (1.0.0), so tests can add, break and
 * remove versions after it.
 */
export function scratchModels(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-models-'));
  for (const model of MODEL_NAMES) copyShippedVersion(dir, model, '1.0.0');
  return dir;
}

/** Copies a shipped version (say lead_scorer 1.1.0) into a scratch models directory, as an operator drops one in. */
export function copyShippedVersion(dir: string, model: string, version: string): void {
  fs.cpSync(path.join(MODELS_DIR, model, version), path.join(dir, model, version), { recursive: true });
}

/** The newest shipped version of a model: what the `latest` policy serves. */
export function latestShipped(model: string): string {
  return discoverVersions(MODELS_DIR, model)[0] as string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of the file a version is served from under the default precision (what x-model-sha256 names). */
export function servedSha256(model: string, version: string, dir = MODELS_DIR): string {
  const versionDir = path.join(dir, model, version);
  const manifest = parseManifest(JSON.parse(fs.readFileSync(path.join(versionDir, 'manifest.json'), 'utf8')), `${model} ${version}`);
  const { precision } = choosePrecision('auto', manifest, 'cpu');
  return sha256(fs.readFileSync(path.join(versionDir, precisionFiles(manifest, precision, `${model} ${version}`).model)));
}

/** Writes manifest.json.sha256 for the manifest as it is now, as training does. */
export function sealManifest(versionDir: string): void {
  fs.writeFileSync(path.join(versionDir, 'manifest.json.sha256'), `${sha256(fs.readFileSync(path.join(versionDir, 'manifest.json')))}  manifest.json\n`);
}

/** The parts of a manifest that tests edit. */
export interface EditableManifest {
  outputs: { score_column: number }[];
  features: { name: string }[];
  [key: string]: unknown;
}

/** Edits a version's manifest.json in place, leaving its manifest.json.sha256 as it was (a hand edit). */
export function editManifest(versionDir: string, edit: (manifest: EditableManifest) => void): void {
  const file = path.join(versionDir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as EditableManifest;
  edit(manifest);
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
}

/** The reference rows shipped with a version (what the registry scores before serving it). */
export function referenceRows(versionDir: string): { rows: Float32Array; count: number; width: number } {
  const manifest = JSON.parse(fs.readFileSync(path.join(versionDir, 'manifest.json'), 'utf8')) as { reference: { rows: string } };
  const { data, shape } = readNpyFloat32(path.join(versionDir, manifest.reference.rows));
  return { rows: data, count: shape[0] as number, width: shape[1] as number };
}

/**
 * Copies `model`@from as `model`@to, letting `change` alter the files (given their bytes) before
 * the manifest is rewritten with the new version (and, unless `keepDigests`, the new digests) and
 * sealed (manifest.json.sha256), as training would write it.
 */
export function addVersion(
  dir: string,
  model: string,
  from: string,
  to: string,
  change: (files: Map<string, Buffer>) => void = () => undefined,
  keepDigests = false,
): string {
  const src = path.join(dir, model, from);
  const dst = path.join(dir, model, to);
  fs.mkdirSync(dst, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')) as {
    version: string;
    files: Record<string, { sha256: string; bytes: number }>;
  };
  const files = new Map(Object.keys(manifest.files).map((f) => [f, fs.readFileSync(path.join(src, f))]));
  change(files);
  for (const [f, bytes] of files) {
    fs.writeFileSync(path.join(dst, f), bytes);
    if (!keepDigests) manifest.files[f] = { ...manifest.files[f]!, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  }
  manifest.version = to;
  fs.writeFileSync(path.join(dst, 'manifest.json'), JSON.stringify(manifest, null, 2));
  sealManifest(dst);
  return dst;
}

/**
 * `model`@to made of `onnx` (as both model.onnx and the static model.int8-static.onnx), with `from`'s manifest and
 * reference rows. Its reference scores are what `onnx` itself gives on those rows (`recompute`, as
 * training would record them) or `from`'s (`keep`).
 */
export async function addBuiltVersion(dir: string, model: string, from: string, to: string, onnx: Buffer, reference: 'recompute' | 'keep'): Promise<string> {
  const src = path.join(dir, model, from);
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')) as { reference: { scores: Record<string, string> } };
  const files = new Map<string, Buffer>([
    ['model.onnx', onnx],
    ['model.int8-static.onnx', onnx],
  ]);
  if (reference === 'recompute') {
    const { rows, count, width } = referenceRows(src);
    const inference = new MainThreadInference();
    await inference.load('built', onnx, { inputName: 'features', outputName: 'probabilities', features: width, scoreColumn: 1 }, { provider: 'cpu', intraOpThreads: 1 });
    const scores = await inference.run('built', rows, count);
    await inference.close();
    const npy = npyBytes(scores);
    for (const file of Object.values(manifest.reference.scores)) files.set(file, npy);
  }
  return addVersion(dir, model, from, to, (f) => {
    for (const [name, bytes] of files) f.set(name, bytes);
  });
}

/** A 1-D float32 .npy (format 1.0), as numpy.save writes it. */
function npyBytes(data: Float32Array): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${data.length},), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
