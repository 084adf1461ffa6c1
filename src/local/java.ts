import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ScorestreamError } from '../errors';
import type { Env } from './options';

export const MIN_JAVA_MAJOR = 17;

export interface JavaRuntime {
  readonly executable: string;
  readonly major: number;
  readonly version: string;
}

/** `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_382"`. */
export function parseJavaVersion(output: string): { major: number; version: string } | undefined {
  const match = /version "([^"]+)"/.exec(output);
  if (!match || match[1] === undefined) return undefined;
  const version = match[1];
  const parts = version.split(/[.\-+_]/);
  const first = Number(parts[0]);
  const major = first === 1 ? Number(parts[1]) : first;
  return Number.isInteger(major) ? { major, version } : undefined;
}

export function findJava(env: Env = process.env): JavaRuntime {
  const executable = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
  const result = spawnSync(executable, ['-version'], { encoding: 'utf8', env });
  if (result.error) {
    const where = env.JAVA_HOME ? ` (JAVA_HOME=${env.JAVA_HOME})` : ' on PATH';
    throw new ScorestreamError(
      'JAVA_NOT_FOUND',
      `no Java runtime found${where}: install a JDK ${MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless) or use Docker (docker compose up)`,
      { cause: result.error },
    );
  }
  const parsed = parseJavaVersion(`${result.stderr}${result.stdout}`);
  if (!parsed) {
    throw new ScorestreamError('JAVA_NOT_FOUND', `could not read the version of ${executable}: \`${executable} -version\` printed no version`);
  }
  if (parsed.major < MIN_JAVA_MAJOR) {
    throw new ScorestreamError(
      'JAVA_TOO_OLD',
      `Java ${parsed.version} at ${executable} is too old: Kafka 4 and Apicurio Registry 3 need Java ${MIN_JAVA_MAJOR}+; install a newer JDK or point JAVA_HOME at one`,
    );
  }
  return { executable, ...parsed };
}
