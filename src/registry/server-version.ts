import { ScorestreamError } from '../errors';

/**
 * The version number an inference server hosts a model version under. Triton names versions by
 * integers only, so x.y.z maps to x * 1,000,000 + y * 1,000 + z: 1.1.0 is 1001000. The mapping
 * keeps the order of versions (the server's own "latest" is the newest) and needs no table to be
 * shared between the export and the processor.
 */
export function serverVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new ScorestreamError('MODEL_MANIFEST_INVALID', `version ${version} is not x.y.z`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (minor > 999 || patch > 999 || major > 9_000_000) {
    throw new ScorestreamError('MODEL_MANIFEST_INVALID', `version ${version} cannot be hosted on an inference server: its minor and patch parts must be below 1000`);
  }
  return String(major * 1_000_000 + minor * 1_000 + patch);
}
