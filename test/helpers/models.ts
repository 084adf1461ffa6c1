import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

/** A scratch copy of the shipped models, so tests can add, break and remove versions. */
export function scratchModels(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-models-'));
  fs.cpSync(MODELS_DIR, dir, { recursive: true });
  return dir;
}

/**
 * Copies `model`@from as `model`@to, letting `change` alter the files (given their bytes) before
 * the manifest is rewritten with the new version (and, unless `keepDigests`, the new digests).
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
  return dst;
}
