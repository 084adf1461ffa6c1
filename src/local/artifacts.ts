import { spawn, spawnSync } from 'node:child_process';
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
  /** The locked files' total size: what a first start downloads, for its progress line. Not part of the pin. */
  readonly bytes?: number;
}

/** How far the first start's download of one service has come. */
export interface DownloadProgress {
  readonly service: ServiceName;
  readonly version: string;
  /** Bytes of the locked files Maven has downloaded so far (files it already had count as nothing). */
  readonly bytes: number;
  readonly totalBytes: number | undefined;
  readonly files: number;
  readonly totalFiles: number;
  readonly done: boolean;
}

export type OnDownload = (progress: DownloadProgress) => void;

export type ServicesLock = Readonly<Record<ServiceName, LockedService>>;

export const LOCK_PATH = path.resolve(__dirname, '..', '..', 'deploy', 'local', 'services.lock.json');

export function readLock(lockPath: string = LOCK_PATH): ServicesLock {
  return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as ServicesLock;
}

export function artifactDir(home: string, name: ServiceName, entry: LockedService): string {
  return path.join(home, 'artifacts', `${name}-${entry.version}`);
}

function entryDigest(entry: LockedService): string {
  const { version, resolve, coordinates, files } = entry;
  return createHash('sha256').update(JSON.stringify({ version, resolve, coordinates, files })).digest('hex');
}

/** Maven's transfer line, e.g. "[INFO] Downloaded from central: https://.../kafka_2.13-4.2.0.jar (6.6 MB at 5.1 MB/s)". */
const DOWNLOADED = /Downloaded from [^:]+: (\S+) \(([\d.]+) (B|kB|KB|MB|GB)\b/;
const UNIT_BYTES: Readonly<Record<string, number>> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/** The file name and size of a Maven "Downloaded from" line, or undefined for any other line. */
export function downloadedFile(line: string): { file: string; bytes: number } | undefined {
  const m = DOWNLOADED.exec(line);
  if (!m) return undefined;
  return { file: (m[1] as string).split('/').pop() as string, bytes: Math.round(Number(m[2]) * (UNIT_BYTES[m[3] as string] as number)) };
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

/**
 * Runs Maven without blocking the event loop (a signal handler, a progress line and a timer keep
 * running), handing each line of its output to `onLine`; its output goes to `logFile`.
 */
function runMaven(args: readonly string[], cwd: string, logFile: string, what: string, env: Env, onLine: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ScorestreamError('INTERRUPTED', `interrupted before downloading ${what}`));
    const child = spawn('mvn', ['-B', '-C', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    const log: string[] = [];
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log.push(line);
        onLine(line);
      }
    });
    child.stderr.on('data', (d: Buffer) => log.push(d.toString('utf8')));
    // 'close' can follow 'error' (Maven not found): the first to come settles the promise, and
    // nothing after it may throw (the caller may have removed the log's directory by then).
    let settled = false;
    child.once('error', (err) => {
      if (settled) return;
      settled = true;
      if (signal?.aborted) return reject(new ScorestreamError('INTERRUPTED', `interrupted while downloading ${what}`, { cause: err }));
      reject(
        new ScorestreamError(
          'MAVEN_NOT_FOUND',
          `Maven (mvn) is needed once to download ${what} from Maven Central and was not found: install Maven 3.6+ (e.g. apt-get install maven), or use Docker (docker compose up)`,
          { cause: err },
        ),
      );
    });
    child.once('close', (code, killedBy) => {
      if (settled) return;
      settled = true;
      try {
        fs.writeFileSync(logFile, `${[...log, partial].join('\n')}\n`);
      } catch {
        // The log helps a person; the outcome below does not depend on it.
      }
      if (code === 0) return resolve();
      if (signal?.aborted) return reject(new ScorestreamError('INTERRUPTED', `interrupted while downloading ${what}`));
      reject(
        new ScorestreamError(
          'DOWNLOAD_FAILED',
          `downloading ${what} with Maven failed (${code === null ? `ended by ${killedBy ?? 'a signal'}` : `exit ${code}`}): check the network or the proxy/mirror in ~/.m2/settings.xml; log: ${logFile}`,
        ),
      );
    });
  });
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

/** Downloads the files of one service into `outDir` (flat), without checking them; `onDownload` hears of each locked file Maven downloads. */
export async function fetchWithMaven(name: ServiceName, entry: LockedService, workDir: string, outDir: string, logFile: string, env: Env, onDownload?: OnDownload, signal?: AbortSignal): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const what = `${name} ${entry.version}`;
  const totalFiles = Object.keys(entry.files).length;
  let bytes = 0;
  let files = 0;
  const report = (done: boolean): void => onDownload?.({ service: name, version: entry.version, bytes, totalBytes: entry.bytes, files, totalFiles, done });
  const onLine = (line: string): void => {
    const got = downloadedFile(line);
    if (got === undefined || entry.files[got.file] === undefined) return;
    bytes += got.bytes;
    files++;
    report(false);
  };
  // Without -q: Maven's "Downloaded from" lines are the progress; -ntp would drop them.
  const quiet = ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.log.org.apache.maven.cli.transfer.Slf4jMavenTransferListener=info'];
  report(false);
  if (entry.resolve === 'dependencies') {
    fs.writeFileSync(path.join(workDir, 'pom.xml'), pomFor(entry.coordinates));
    await runMaven([...quiet, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`], workDir, logFile, what, env, onLine, signal);
  } else {
    for (const artifact of entry.coordinates) {
      await runMaven([...quiet, 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${outDir}`], workDir, logFile, what, env, onLine, signal);
    }
  }
  report(true);
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
export async function ensureArtifacts(home: string, name: ServiceName, lock: ServicesLock, env: Env, onDownload?: OnDownload, signal?: AbortSignal): Promise<string> {
  const entry = lock[name];
  const dir = artifactDir(home, name, entry);
  const marker = path.join(dir, '.verified');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === entryDigest(entry)) return dir;

  const staging = `${dir}.staging-${process.pid}`;
  const files = path.join(staging, 'files');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    await fetchWithMaven(name, entry, staging, files, path.join(path.dirname(dir), `${name}-${entry.version}-download.log`), env, onDownload, signal);
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
