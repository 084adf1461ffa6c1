import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isScorestreamError } from '../../../src/errors';
import { readLock, verifyFiles, type LockedService } from '../../../src/local/artifacts';

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
