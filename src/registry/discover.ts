import fs from 'node:fs';
import path from 'node:path';

/** x.y.z versions, newest first; directories that are not versions are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0);
  return 0;
}

export function isVersion(name: string): boolean {
  return /^\d+\.\d+\.\d+$/.test(name);
}

/** The versions of `model` under `modelsDir` that have a manifest, newest first. */
export function discoverVersions(modelsDir: string, model: string): string[] {
  const dir = path.join(modelsDir, model);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((v) => isVersion(v) && fs.existsSync(path.join(dir, v, 'manifest.json')))
    .sort(compareVersions);
}
