import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';
import { discoverVersions } from './discover';
import type { ModelManifest } from './manifest';
import { choosePrecision, precisionFiles, type Precision, type PrecisionPolicy } from './precision';
import { serverVersion } from './server-version';
import { VersionFiles } from './version-files';

export type ExportDevice = 'auto' | 'gpu' | 'cpu';

export interface TritonExportOptions {
  readonly modelsDir: string;
  readonly out: string;
  /** Which file of each version the server hosts: as the processor chooses (`auto`), or one precision. */
  readonly precision: PrecisionPolicy;
  readonly device: ExportDevice;
  /** Triton's max_batch_size: the most rows one request may hold (the processor splits larger batches). */
  readonly maxBatchRows: number;
}

export interface ExportedVersion {
  readonly model: ModelName;
  readonly version: string;
  readonly serverVersion: string;
  readonly precision: Precision;
  readonly sha256: string;
}

const INSTANCE_KIND: Record<ExportDevice, string | undefined> = { auto: undefined, gpu: 'KIND_GPU', cpu: 'KIND_CPU' };

/** config.pbtxt of one model: every version shares its inputs and outputs, so the config is the model's. */
function configText(model: ModelName, manifest: ModelManifest, width: number, versions: readonly ExportedVersion[], o: TritonExportOptions): string {
  const kind = INSTANCE_KIND[o.device];
  const described = versions.map((v) => `${v.serverVersion}=${v.version} ${v.precision} sha256:${v.sha256}`).join(', ');
  return [
    '# Written by `scorestream models export --format triton`; export again rather than edit.',
    `name: "${model}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${o.maxBatchRows}`,
    `input [ { name: "${manifest.input.name}" data_type: TYPE_FP32 dims: [ ${manifest.input.features} ] } ]`,
    `output [ { name: "${manifest.output.name}" data_type: TYPE_FP32 dims: [ ${width} ] } ]`,
    // Only the versions written here, each under x * 1,000,000 + y * 1,000 + z: the processor asks for one by number.
    `version_policy: { specific: { versions: [ ${versions.map((v) => v.serverVersion).join(', ')} ] } }`,
    // The processor's micro-batches are the requests; a short queue delay lets requests of
    // several processors share a GPU kernel launch without adding to a batch's latency.
    'dynamic_batching { max_queue_delay_microseconds: 500 }',
    // Without an instance group Triton puts one instance on each GPU, or on the CPU where there is none.
    ...(kind === undefined ? [] : [`instance_group [ { count: 1 kind: ${kind} } ]`]),
    `parameters [ { key: "scorestream.versions" value: { string_value: "${described}" } } ]`,
    '',
  ].join('\n');
}

/**
 * Writes a Triton model repository from models/: <out>/<model>/config.pbtxt and
 * <out>/<model>/<server version>/model.onnx, one directory per version, each file checked against
 * its manifest first. The repository appears whole: it is written beside `out` and renamed.
 */
export function exportTritonRepository(o: TritonExportOptions): ExportedVersion[] {
  if (fs.existsSync(o.out) && fs.readdirSync(o.out).length > 0) {
    throw new ScorestreamError('USAGE_INVALID', `models export: ${o.out} exists and is not empty; give a new directory`);
  }
  const staging = `${o.out.replace(/\/+$/, '')}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const written: ExportedVersion[] = [];
  try {
    for (const model of MODEL_NAMES) {
      const versions = discoverVersions(o.modelsDir, model);
      if (versions.length === 0) continue;
      const exported: ExportedVersion[] = [];
      let first: { manifest: ModelManifest; width: number } | undefined;
      for (const version of versions) {
        const files = new VersionFiles(o.modelsDir, model, version);
        const manifest = files.manifest();
        const { precision } = choosePrecision(o.precision, manifest, 'cpu');
        const { model: file } = precisionFiles(manifest, precision, `${model} ${version}`);
        const { bytes, sha256 } = files.file(manifest, file);
        const width = manifest.output.width ?? manifest.output.scoreColumn + 1;
        if (first && (first.manifest.input.name !== manifest.input.name || first.manifest.input.features !== manifest.input.features || first.manifest.output.name !== manifest.output.name || first.width !== width)) {
          throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${model} ${version} reads or writes other tensors than ${first.manifest.version}: one Triton model's versions share their inputs and outputs`);
        }
        first ??= { manifest, width };
        const entry: ExportedVersion = { model, version, serverVersion: serverVersion(version), precision, sha256 };
        const dir = path.join(staging, model, entry.serverVersion);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'model.onnx'), bytes);
        exported.push(entry);
      }
      exported.sort((a, b) => Number(a.serverVersion) - Number(b.serverVersion));
      if (first) fs.writeFileSync(path.join(staging, model, 'config.pbtxt'), configText(model, first.manifest, first.width, exported, o));
      written.push(...exported);
    }
    if (written.length === 0) throw new ScorestreamError('MODEL_NOT_FOUND', `models export: no model versions under ${o.modelsDir}`);
    fs.rmSync(o.out, { recursive: true, force: true });
    fs.renameSync(staging, o.out);
    return written;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
