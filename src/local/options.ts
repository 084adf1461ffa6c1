import os from 'node:os';
import path from 'node:path';
import { ScorestreamError } from '../errors';

/**
 * Options of the local (no-Docker) Kafka and schema registry. Read from the environment once;
 * a bad value is a CONFIG_INVALID error that names the variable. The processor's own
 * configuration schema is separate: these only describe the development services.
 */
export interface LocalServicesOptions {
  /** Holds downloaded artifacts (`artifacts/`) and the services' data, logs (`local/`). */
  readonly home: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly registryPort: number;
  readonly kafkaHeap: string;
  readonly registryHeap: string;
  readonly readyTimeoutMs: number;
  /** The environment these options were read from; Java and Maven are run with it (PATH, JAVA_HOME). */
  readonly env: Env;
}

export type Env = Readonly<Record<string, string | undefined>>;

function defaultHome(env: Env): string {
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'scorestream');
}

function port(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ScorestreamError('CONFIG_INVALID', `${key}=${raw} is not a TCP port: use an integer from 1 to 65535`);
  }
  return n;
}

function heap(env: Env, key: string, fallback: string): string {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9][0-9]*[mMgG]$/.test(raw)) {
    throw new ScorestreamError('CONFIG_INVALID', `${key}=${raw} is not a JVM heap size: use a size like 512m or 1g`);
  }
  return raw;
}

function seconds(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ScorestreamError('CONFIG_INVALID', `${key}=${raw} is not a positive number of seconds`);
  }
  return n;
}

export function localServicesOptions(env: Env = process.env): LocalServicesOptions {
  const options: LocalServicesOptions = {
    home: path.resolve(env.SCORESTREAM_HOME || defaultHome(env)),
    kafkaPort: port(env, 'SCORESTREAM_LOCAL_KAFKA_PORT', 9092),
    kafkaControllerPort: port(env, 'SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT', 9093),
    registryPort: port(env, 'SCORESTREAM_LOCAL_REGISTRY_PORT', 8081),
    // Sized for a 2-core, shared development machine: Kafka leans on the page cache, not the heap.
    kafkaHeap: heap(env, 'SCORESTREAM_LOCAL_KAFKA_HEAP', '768m'),
    registryHeap: heap(env, 'SCORESTREAM_LOCAL_REGISTRY_HEAP', '384m'),
    readyTimeoutMs: seconds(env, 'SCORESTREAM_LOCAL_READY_TIMEOUT_S', 120) * 1000,
    env,
  };
  const ports = [options.kafkaPort, options.kafkaControllerPort, options.registryPort];
  if (new Set(ports).size !== ports.length) {
    throw new ScorestreamError(
      'CONFIG_INVALID',
      `local service ports must differ: kafka ${options.kafkaPort}, controller ${options.kafkaControllerPort}, registry ${options.registryPort}`,
    );
  }
  return Object.freeze(options);
}

export function bootstrapServers(options: LocalServicesOptions): string {
  return `127.0.0.1:${options.kafkaPort}`;
}

export function registryUrl(options: LocalServicesOptions): string {
  return `http://127.0.0.1:${options.registryPort}/apis/ccompat/v7`;
}
