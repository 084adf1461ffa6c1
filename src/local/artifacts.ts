import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError, errorMessage } from '../errors';
import type { Env } from './options';

/**
 * Kafka and the registry come from Maven Central through Maven itself (its cache, its mirrors and
 * proxies, its `-C` strict SHA-1 check), and every file is then checked against the SHA-256 pinned
 * in deploy/local/services.lock.json before anything runs from it. Verified trees live outside
 * the repo under `<home>/artifacts/`, so Maven is needed only for the first `up`.
 */
export type ServiceName = 'kafka' | 'registry';

export interface LockedService {
  readonly version: string;
  /** `dependencies`: copy the runtime dependency closure; `artifact`: fetch exactly these. */
  readonly resolve: 'dependencies' | 'artifact';
  readonly coordinates: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

export type ServicesLock = Readonly<Record<ServiceName, LockedService>>;

export const LOCK_PATH = path.resolve(__dirname, '..', '..', 'deploy', 'local', 'services.lock.json');

export function readLock(lockPath: string = LOCK_PATH): ServicesLock {
  return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as ServicesLock;
}

export function artifactDir(home: string, name: ServiceName, entry: LockedService): string {
  return path.join(home, 'artifacts', `${name}-${entry.version}`);
}

function entryDigest(entry: LockedService): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex');
}

export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function runMaven(args: readonly string[], cwd: string, logFile: string, what: string, env: Env): void {
  const result = spawnSync('mvn', ['-B', '-C', ...args], { cwd, encoding: 'utf8', env });
  if (result.error) {
    throw new ScorestreamError(
      'MAVEN_NOT_FOUND',
      `Maven (mvn) is needed once to download ${what} from Maven Central and was not found: install Maven 3.6+ (e.g. apt-get install maven), or use Docker (docker compose up)`,
      { cause: result.error },
    );
  }
  fs.writeFileSync(logFile, `${result.stdout}\n${result.stderr}`);
  if (result.status !== 0) {
    throw new ScorestreamError(
      'DOWNLOAD_FAILED',
      `downloading ${what} with Maven failed (exit ${result.status}): check the network or the proxy/mirror in ~/.m2/settings.xml; log: ${logFile}`,
    );
  }
}

function pomFor(coordinates: readonly string[]): string {
  const deps = coordinates.map((c) => {
    const [groupId, artifactId, version, type, classifier] = c.split(':');
    const extra = `${type ? `<type>${type}</type>` : ''}${classifier ? `<classifier>${classifier}</classifier>` : ''}`;
    return `<dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version>${extra}</dependency>`;
  });
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dev.scorestream.local</groupId><artifactId>resolve</artifactId><version>0</version>
<dependencies>${deps.join('')}</dependencies></project>\n`;
}

/** Downloads the files of one service into `outDir` (flat), without checking them. */
export function fetchWithMaven(name: ServiceName, entry: LockedService, workDir: string, outDir: string, logFile: string, env: Env): void {
  fs.mkdirSync(outDir, { recursive: true });
  const what = `${name} ${entry.version}`;
  if (entry.resolve === 'dependencies') {
    fs.writeFileSync(path.join(workDir, 'pom.xml'), pomFor(entry.coordinates));
    runMaven(['-q', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`], workDir, logFile, what, env);
    return;
  }
  for (const artifact of entry.coordinates) {
    runMaven(['-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${outDir}`], workDir, logFile, what, env);
  }
}

export function hashDirectory(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) files[name] = sha256File(path.join(dir, name));
  return files;
}

/** Throws CHECKSUM_MISMATCH unless `dir` holds exactly the locked files with the locked digests. */
export function verifyFiles(name: ServiceName, entry: LockedService, dir: string): void {
  const actual = hashDirectory(dir);
  const locked = Object.entries(entry.files);
  // A changed file is the alarming case, so it is named first.
  const problems = [
    ...locked.filter(([file, digest]) => actual[file] !== undefined && actual[file] !== digest).map(([file, digest]) => `${file} has sha256 ${actual[file]}, expected ${digest}`),
    ...locked.filter(([file]) => actual[file] === undefined).map(([file]) => `${file} missing`),
    ...Object.keys(actual).filter((file) => entry.files[file] === undefined).map((file) => `${file} is not in the lock`),
  ];
  if (problems.length > 0) {
    throw new ScorestreamError(
      'CHECKSUM_MISMATCH',
      `${name} ${entry.version} failed its checksum check (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; ...' : ''}); refusing to use it: remove Maven's copies (${entry.coordinates.join(', ')}) from ~/.m2/repository and run again, or check your Maven mirror`,
    );
  }
}

function extractArchives(dir: string): void {
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.tar.gz')) continue;
    const result = spawnSync('tar', ['-xzf', file], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new ScorestreamError('DOWNLOAD_FAILED', `could not unpack ${path.join(dir, file)}: ${result.error ? errorMessage(result.error) : result.stderr.trim()}`);
    }
    fs.rmSync(path.join(dir, file));
  }
}

/**
 * Returns the directory holding the verified files of `name`, downloading them first when they are
 * not there yet. A half-finished download never becomes visible: files are fetched and verified in
 * a staging directory that is renamed into place only when complete.
 */
export function ensureArtifacts(home: string, name: ServiceName, lock: ServicesLock, env: Env): string {
  const entry = lock[name];
  const dir = artifactDir(home, name, entry);
  const marker = path.join(dir, '.verified');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === entryDigest(entry)) return dir;

  const staging = `${dir}.staging-${process.pid}`;
  const files = path.join(staging, 'files');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    fetchWithMaven(name, entry, staging, files, path.join(path.dirname(dir), `${name}-${entry.version}-download.log`), env);
    verifyFiles(name, entry, files);
    extractArchives(files);
    fs.writeFileSync(path.join(files, '.verified'), `${entryDigest(entry)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(files, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}
