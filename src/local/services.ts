import fs from 'node:fs';
import { ScorestreamError } from '../errors';
import { ensureArtifacts, readLock, type OnDownload, type ServiceName, type ServicesLock } from './artifacts';
import { findJava, type JavaRuntime } from './java';
import { kafkaService } from './kafka-service';
import type { LocalServicesOptions } from './options';
import { assertPortFree } from './ports';
import { findProcesses, isAlive, markerFor, startDetached, stopProcesses, type StartedProcess } from './processes';
import { registryService } from './registry-service';
import type { LocalService } from './service';
import { sleep } from './wait';

export interface ServiceUp {
  readonly name: ServiceName;
  readonly label: string;
  readonly endpoint: string;
  readonly pid: number;
  /** `started` by this call, or `reused` because it was already running. */
  readonly state: 'started' | 'reused';
  /** From the JVM's start to the first answered request; downloads are not included. */
  readonly readySeconds: number;
  readonly logFile: string;
}

export interface ServiceStatus {
  readonly name: ServiceName;
  readonly label: string;
  readonly endpoint: string;
  readonly pids: readonly number[];
  readonly ready: boolean;
  readonly logFile: string;
}

const STOP_GRACE_MS = 30_000;

export function localServices(options: LocalServicesOptions, lock: ServicesLock = readLock()): LocalService[] {
  return [kafkaService(options, lock.kafka), registryService(options, lock.registry)];
}

function select(services: LocalService[], names?: readonly ServiceName[]): LocalService[] {
  return names === undefined ? services : services.filter((s) => names.includes(s.name));
}

async function waitReady(service: LocalService, options: LocalServicesOptions, started?: StartedProcess): Promise<void> {
  const deadline = Date.now() + options.readyTimeoutMs;
  let exitCode: number | null | undefined;
  void started?.exited.then((code) => (exitCode = code));
  for (;;) {
    if (await service.probe()) return;
    if (started && (exitCode !== undefined || !isAlive(started.pid))) {
      throw new ScorestreamError(
        'SERVICE_START_FAILED',
        `${service.label} exited during start${exitCode === undefined || exitCode === null ? '' : ` (code ${exitCode})`}; see ${service.logFile}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ScorestreamError(
        'SERVICE_NOT_READY',
        `${service.label} did not become ready within ${options.readyTimeoutMs / 1000} s; see ${service.logFile} (raise SCORESTREAM_LOCAL_READY_TIMEOUT_S on a slow machine)`,
      );
    }
    await sleep(250);
  }
}

async function upOne(service: LocalService, options: LocalServicesOptions, java: JavaRuntime, lock: ServicesLock): Promise<ServiceUp> {
  const marker = markerFor(service.name, options.home);
  const running = findProcesses(marker);
  const first = running[0];
  if (first) {
    const t0 = Date.now();
    await waitReady(service, options);
    return { ...describe(service), pid: first.pid, state: 'reused', readySeconds: (Date.now() - t0) / 1000 };
  }
  const artifacts = await ensureArtifacts(options.home, service.name, lock, options.env);
  const args = service.prepare(java, artifacts);
  fs.mkdirSync(service.runDir, { recursive: true });
  const t0 = Date.now();
  const started = startDetached(java.executable, [marker, ...args], `${service.runDir}/stdout.log`, service.runDir, options.env);
  try {
    await waitReady(service, options, started);
  } catch (err: unknown) {
    await stopProcesses([{ pid: started.pid, args: '' }], 5000).catch(() => undefined);
    throw err;
  }
  return { ...describe(service), pid: started.pid, state: 'started', readySeconds: (Date.now() - t0) / 1000 };
}

function describe(service: LocalService): { name: ServiceName; label: string; endpoint: string; logFile: string } {
  return { name: service.name, label: service.label, endpoint: service.endpoint, logFile: service.logFile };
}

/**
 * Starts whichever of the services is not running yet, in parallel, and waits until each answers.
 * If one fails, the ones this call started are stopped again, so a failed `up` leaves nothing behind.
 */
export interface UpHooks {
  readonly onDownload?: OnDownload;
  /** Aborted: no download or service is started any more (what was started is for the caller to stop). */
  readonly signal?: AbortSignal;
}

export async function servicesUp(options: LocalServicesOptions, names?: readonly ServiceName[], hooks: UpHooks = {}): Promise<ServiceUp[]> {
  const java = findJava(options.env);
  const lock = readLock();
  const services = select(localServices(options, lock), names);
  // Everything that can fail fast is checked before any JVM starts: ports first, then downloads
  // (one at a time: two Maven runs in parallel would race on the same local repository).
  const toStart = services.filter((s) => findProcesses(markerFor(s.name, options.home)).length === 0);
  for (const service of toStart) {
    for (const { port, variable } of service.ports) await assertPortFree(port, service.label, variable);
  }
  for (const service of toStart) await ensureArtifacts(options.home, service.name, lock, options.env, hooks.onDownload, hooks.signal);
  if (hooks.signal?.aborted) throw new ScorestreamError('INTERRUPTED', 'interrupted before the local services started');
  const results = await Promise.allSettled(services.map((s) => upOne(s, options, java, lock)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    const started = results.flatMap((r) => (r.status === 'fulfilled' && r.value.state === 'started' ? [r.value.name] : []));
    if (started.length > 0) await servicesDown(options, started);
    throw failure.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<ServiceUp>).value);
}

/** The services of this home that have a JVM running now. */
export function runningServices(options: LocalServicesOptions): ServiceName[] {
  return localServices(options)
    .filter((s) => findProcesses(markerFor(s.name, options.home)).length > 0)
    .map((s) => s.name);
}

/**
 * Sends SIGTERM to the JVMs of `names` and returns at once: for a process that must exit now and
 * cannot wait for them to stop (each stops by itself on SIGTERM, as `down` would stop it).
 */
export function signalServices(options: LocalServicesOptions, names: readonly ServiceName[]): void {
  for (const service of select(localServices(options), names)) {
    for (const p of findProcesses(markerFor(service.name, options.home))) {
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
    }
  }
}

/** Stops every JVM this home started for the named services (all by default). */
export async function servicesDown(
  options: LocalServicesOptions,
  names?: readonly ServiceName[],
  purge = false,
): Promise<{ name: ServiceName; label: string; pids: number[] }[]> {
  const stopped = [];
  for (const service of select(localServices(options), names)) {
    const processes = findProcesses(markerFor(service.name, options.home));
    await stopProcesses(processes, STOP_GRACE_MS);
    if (purge) fs.rmSync(service.runDir, { recursive: true, force: true });
    stopped.push({ name: service.name, label: service.label, pids: processes.map((p) => p.pid) });
  }
  return stopped;
}

export async function servicesStatus(options: LocalServicesOptions): Promise<ServiceStatus[]> {
  return Promise.all(
    localServices(options).map(async (service) => {
      const pids = findProcesses(markerFor(service.name, options.home)).map((p) => p.pid);
      return { ...describe(service), pids, ready: pids.length > 0 && (await service.probe()) };
    }),
  );
}
