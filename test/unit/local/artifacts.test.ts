import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isScorestreamError } from '../../../src/errors';
import { artifactDir, downloadedFile, ensureArtifacts, readLock, verifyFiles, type DownloadProgress, type LockedService } from '../../../src/local/artifacts';
import { fakeCommands } from '../../helpers/fake-commands';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('verifyFiles', () => {
  let dir: string;
  const entry: LockedService = {
    version: '1.0.0',
    resolve: 'dependencies',
    coordinates: ['g:a:1.0.0'],
    files: { 'a.jar': sha('a'), 'b.jar': sha('b') },
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-verify-'));
    fs.writeFileSync(path.join(dir, 'a.jar'), 'a');
    fs.writeFileSync(path.join(dir, 'b.jar'), 'b');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const failure = (): unknown => {
    try {
      verifyFiles('kafka', entry, dir);
    } catch (err: unknown) {
      return err;
    }
    return undefined;
  };

  it('accepts exactly the locked files', () => {
    expect(failure()).toBeUndefined();
  });

  it('refuses a file whose digest differs', () => {
    fs.writeFileSync(path.join(dir, 'b.jar'), 'tampered');
    const err = failure();
    expect(isScorestreamError(err, 'CHECKSUM_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/b\.jar has sha256 [0-9a-f]{64}, expected/);
  });

  it('refuses a missing file and an unexpected one', () => {
    fs.rmSync(path.join(dir, 'a.jar'));
    fs.writeFileSync(path.join(dir, 'evil.jar'), 'x');
    expect((failure() as Error).message).toMatch(/a\.jar missing; evil\.jar is not in the lock/);
  });
});

describe('the committed lock', () => {
  it('pins a SHA-256 for every file of Kafka and the registry', () => {
    const lock = readLock();
    for (const entry of Object.values(lock)) {
      expect(Object.keys(entry.files).length).toBeGreaterThan(0);
      for (const digest of Object.values(entry.files)) expect(digest).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(Object.keys(lock.kafka.files)).toContain(`kafka_2.13-${lock.kafka.version}.jar`);
    expect(Object.keys(lock.registry.files)).toEqual([`apicurio-registry-app-${lock.registry.version}-all.tar.gz`]);
  });
});

describe('ensureArtifacts', () => {
  let home: string;
  let bin: string | undefined;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-artifacts-'));
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
  });

  async function failure(mvnScript: string, onDownload?: (p: DownloadProgress) => void): Promise<{ code: string; message: string }> {
    bin = fakeCommands({ mvn: mvnScript });
    try {
      await ensureArtifacts(home, 'kafka', readLock(), { PATH: `${bin}:/usr/bin:/bin` }, onDownload);
    } catch (err: unknown) {
      if (isScorestreamError(err)) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('expected a ScorestreamError');
  }

  it('reports a failed download in one line with the log path, and leaves nothing behind', async () => {
    const f = await failure('echo "Could not transfer artifact" >&2; exit 1');
    expect(f.code).toBe('DOWNLOAD_FAILED');
    expect(f.message).toBe(
      `downloading kafka 4.2.0 with Maven failed (exit 1): check the network or the proxy/mirror in ~/.m2/settings.xml; log: ${path.join(home, 'artifacts', 'kafka-4.2.0-download.log')}`,
    );
    expect(fs.readFileSync(path.join(home, 'artifacts', 'kafka-4.2.0-download.log'), 'utf8')).toContain('Could not transfer artifact');
    expect(fs.existsSync(artifactDir(home, 'kafka', readLock().kafka))).toBe(false);
  });

  it('never puts a download that fails its checksum where a start would use it', async () => {
    // Maven "succeeds" but delivers a tampered Kafka jar.
    const f = await failure('for a in "$@"; do case "$a" in -DoutputDirectory=*) d="${a#-DoutputDirectory=}";; esac; done; mkdir -p "$d"; echo tampered > "$d/kafka_2.13-4.2.0.jar"');
    expect(f.code).toBe('CHECKSUM_MISMATCH');
    expect(f.message).toMatch(/^kafka 4\.2\.0 failed its checksum check \(kafka_2\.13-4\.2\.0\.jar has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; /);
    expect(fs.existsSync(artifactDir(home, 'kafka', readLock().kafka))).toBe(false);
    expect(fs.readdirSync(path.join(home, 'artifacts')).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it("reports progress from Maven's transfer lines: locked files only, against the lock's total", async () => {
    const seen: DownloadProgress[] = [];
    const lines = [
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/maven/plugins/maven-dependency-plugin/3.7.0/maven-dependency-plugin-3.7.0.jar (200 kB at 1 MB/s)',
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/4.2.0/kafka_2.13-4.2.0.jar (6.6 MB at 5.1 MB/s)',
      '[INFO] Downloaded from my-mirror: https://nexus.example/repository/maven/org/apache/kafka/kafka-clients/4.2.0/kafka-clients-4.2.0.jar (2.5 MB at 1.0 MB/s)',
    ];
    await failure(`${lines.map((l) => `echo '${l}'`).join('; ')}; exit 1`, (p) => seen.push(p));
    const lock = readLock().kafka;
    expect(seen.map((p) => [p.bytes, p.files, p.done])).toEqual([
      [0, 0, false],
      [6_600_000, 1, false],
      [9_100_000, 2, false],
    ]);
    expect(seen[0]).toMatchObject({ service: 'kafka', version: lock.version, totalBytes: lock.bytes, totalFiles: Object.keys(lock.files).length });
  });
});

describe('downloadedFile', () => {
  it.each([
    ['[INFO] Downloaded from central: https://repo/x/a-1.jar (284 kB at 270 kB/s)', { file: 'a-1.jar', bytes: 284_000 }],
    ['Downloaded from central: https://repo/x/b.tar.gz (108.9 MB at 20 MB/s)', { file: 'b.tar.gz', bytes: 108_900_000 }],
    ['[INFO] Downloading from central: https://repo/x/a-1.jar', undefined],
    ['[INFO] BUILD SUCCESS', undefined],
  ])('%s', (line, expected) => expect(downloadedFile(line)).toEqual(expected));
});
