import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ScorestreamError } from '../errors';
import { sleep } from './wait';

/**
 * Local services are found by a marker on their command line (`-Dscorestream.local=<service>@<home>`)
 * rather than by pid files alone: a pid file can be stale or lost, a command line cannot lie about
 * which JVM it is, so `down` finds every JVM we started and `up` never starts a second one.
 */
export function markerFor(service: string, home: string): string {
  return `-Dscorestream.local=${service}@${home}`;
}

export interface RunningProcess {
  readonly pid: number;
  readonly args: string;
}

export function findProcesses(marker: string): RunningProcess[] {
  const result = spawnSync('ps', ['-ww', '-eo', 'pid=,args='], { encoding: 'utf8' });
  if (result.status !== 0) return [];
  const found: RunningProcess[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match || match[1] === undefined || match[2] === undefined) continue;
    // Match the whole argument so that `kafka@/home/x` does not also match `kafka@/home/x2`.
    if (match[2].split(/\s+/).includes(marker)) found.push({ pid: Number(match[1]), args: match[2] });
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StartedProcess {
  readonly pid: number;
  /** Resolves with the exit code if the process ends while this Node process still watches it. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts a daemon that outlives this Node process: its own session (so Ctrl-C in the terminal that
 * ran `up` does not reach it), output appended to `logFile`, no handle keeping Node alive.
 */
export function startDetached(command: string, args: readonly string[], logFile: string, cwd: string, env: NodeJS.ProcessEnv): StartedProcess {
  const out = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.unref();
    if (child.pid === undefined) {
      throw new ScorestreamError('SERVICE_START_FAILED', `could not start ${command}; see ${logFile}`);
    }
    return { pid: child.pid, exited };
  } finally {
    fs.closeSync(out);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every process is gone. */
export async function stopProcesses(processes: readonly RunningProcess[], graceMs: number): Promise<void> {
  for (const p of processes) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processes.some((p) => isAlive(p.pid)) && Date.now() < deadline) await sleep(100);
  const left = processes.filter((p) => isAlive(p.pid));
  for (const p of left) signal(p.pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (left.some((p) => isAlive(p.pid)) && Date.now() < killDeadline) await sleep(50);
  const stuck = left.filter((p) => isAlive(p.pid));
  if (stuck.length > 0) {
    throw new ScorestreamError('SERVICE_STOP_FAILED', `process ${stuck.map((p) => p.pid).join(', ')} survived SIGKILL; stop it by hand`);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: that is what we wanted.
  }
}
