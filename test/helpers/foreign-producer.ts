import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'foreign-producer');

/** A record as the foreign producer sends it. */
export interface ForeignRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp?: number;
}

/**
 * The Python virtual environment of the librdkafka producer (confluent-kafka from PyPI, pinned in
 * requirements.txt), created once per requirements under the temporary directory.
 */
function python(): string {
  const requirements = path.join(DIR, 'requirements.txt');
  const tag = createHash('sha256').update(fs.readFileSync(requirements)).digest('hex').slice(0, 12);
  const venv = path.join(os.tmpdir(), `scorestream-foreign-producer-${tag}`);
  const bin = path.join(venv, 'bin', 'python');
  if (!fs.existsSync(bin)) {
    const base = ['python3.11', 'python3'].find((p) => spawnSync(p, ['--version']).status === 0) ?? 'python3';
    const steps: [string, string[]][] = [
      [base, ['-m', 'venv', `${venv}.partial`]],
      [path.join(`${venv}.partial`, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]],
    ];
    fs.rmSync(`${venv}.partial`, { recursive: true, force: true });
    for (const [cmd, args] of steps) {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
    fs.renameSync(`${venv}.partial`, venv);
  }
  return bin;
}

/**
 * Produces `records` in order with librdkafka (not KafkaJS): `compression` is librdkafka's
 * compression.type (none, gzip, snappy, lz4, zstd), the partitioner Java-compatible murmur2.
 */
export function produceForeign(brokers: readonly string[], compression: string, records: readonly ForeignRecord[]): number {
  const input = records.map((r) => JSON.stringify({ topic: r.topic, key: r.key, value: r.value.toString('base64'), timestamp: r.timestamp ?? 0 })).join('\n');
  const r = spawnSync(python(), [path.join(DIR, 'produce.py'), brokers.join(','), compression], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`produce.py (${compression}) exited with ${r.status}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** A record as the foreign consumer read it. */
export interface ForeignRead {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * Reads `topic` from its beginning with librdkafka (not KafkaJS), read_committed, until it holds
 * `count` records or `timeoutSeconds` pass: as a user's downstream service reads the outputs.
 */
export function consumeForeign(brokers: readonly string[], topic: string, count: number, timeoutSeconds: number): ForeignRead[] {
  const r = spawnSync(python(), [path.join(DIR, 'consume.py'), brokers.join(','), topic, String(count), String(timeoutSeconds)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`consume.py ${topic} exited with ${r.status}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const x = JSON.parse(line) as { partition: number; offset: number; key: string; value: string | null };
      return { partition: x.partition, offset: x.offset, key: x.key, value: x.value === null ? null : Buffer.from(x.value, 'base64') };
    });
}
