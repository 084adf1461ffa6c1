import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchWithMaven, hashDirectory, LOCK_PATH, readLock, type ServiceName, type ServicesLock } from './artifacts';

/**
 * For maintainers upgrading Kafka or the registry: edit `version` and `coordinates` in
 * deploy/local/services.lock.json, then `scorestream services lock` downloads the new closure
 * and pins the SHA-256 of every file. Review the diff of the lock like any dependency change.
 */
export async function refreshLock(lockPath: string = LOCK_PATH): Promise<ServicesLock> {
  const lock = readLock(lockPath);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scorestream-lock-'));
  try {
    const next = {} as Record<ServiceName, ServicesLock[ServiceName]>;
    for (const name of Object.keys(lock) as ServiceName[]) {
      const entry = lock[name];
      const dir = path.join(work, name);
      fs.mkdirSync(dir);
      await fetchWithMaven(name, entry, dir, path.join(dir, 'files'), path.join(os.tmpdir(), `scorestream-lock-${name}.log`), process.env);
      const files = hashDirectory(path.join(dir, 'files'));
      const bytes = Object.keys(files).reduce((sum, f) => sum + fs.statSync(path.join(dir, 'files', f)).size, 0);
      next[name] = { ...entry, files, bytes };
    }
    fs.writeFileSync(lockPath, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
