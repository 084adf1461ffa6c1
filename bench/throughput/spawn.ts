import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { MESSAGE_PREFIX, type ChildMessage, type ScenarioReport, type ScenarioRequest } from './protocol';

const CHILD = path.join(__dirname, 'child.ts');

export interface ScenarioChild {
  /** Resolves when the child has joined its group (and, for the pipeline, restored and loaded). */
  readonly ready: Promise<void>;
  /** Resolves with the child's report: after its target, or after `stop`. */
  readonly report: Promise<ScenarioReport>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  stop(): void;
  /** Restarts the child's measured window now. */
  restartWindow(): void;
}

/** Starts one scenario in a child process (`--cpu-prof` into `profileDir` when given). */
export function startScenario(req: ScenarioRequest, profileDir?: string): ScenarioChild {
  const args = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), CHILD, JSON.stringify(req)];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    // BENCH_VERBOSE=1 shows what the scenarios log (warnings and errors).
    if (process.env.BENCH_VERBOSE === '1') process.stderr.write(d);
  });
  let onReady: () => void = () => undefined;
  let onReport: (r: ScenarioReport) => void = () => undefined;
  let onError: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const report = new Promise<ScenarioReport>((resolve, reject) => {
    onReport = resolve;
    onError = reject;
  });
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith(MESSAGE_PREFIX)) return;
    const m = JSON.parse(line.slice(MESSAGE_PREFIX.length)) as ChildMessage;
    if ('ready' in m) onReady();
    else if ('report' in m) {
      onReport(m.report);
      // The child exits by itself; this only makes sure it cannot outlive its measurement.
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }
    else onError(new Error(`${req.scenario}: ${m.error}`));
  });
  child.on('exit', (code) => onError(new Error(`${req.scenario} exited with ${code} before reporting; stderr: ${stderr}`)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { ready, report, exited, stop: () => child.kill('SIGTERM'), restartWindow: () => child.kill('SIGUSR2') };
}
