import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

export interface CliExit {
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Lines of stderr that are not the processor's structured (JSON) logs: what a person reads. */
export const messageLines = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.trim().length > 0 && !l.startsWith('{'));

/**
 * The CLI as an operator runs it (`node dist/cli/main.js ...`, from the repository root), with
 * `env` on top of an environment without any Kafka or registry setting. A process still running
 * after `hangMs` is SIGKILLed and the exit promise rejects: a hang fails the test, it never hangs it.
 */
export class CliProcess {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  readonly exited: Promise<CliExit>;

  constructor(args: readonly string[], env: Record<string, string>, hangMs = 60_000) {
    const base: Record<string, string | undefined> = { ...process.env };
    for (const k of Object.keys(base)) if (k.startsWith('SCORESTREAM_') || k === 'KAFKA_BROKERS' || k === 'SCHEMA_REGISTRY_URL') delete base[k];
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.out += d.toString('utf8')));
    this.child.stderr?.on('data', (d: Buffer) => (this.err += d.toString('utf8')));
    this.exited = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`scorestream ${args.join(' ')} did not exit within ${hangMs / 1000} s; stdout:\n${this.out}\nstderr:\n${this.err}`));
      }, hangMs);
      this.child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.out, stderr: this.err });
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** Resolves once stdout or stderr shows `pattern`; rejects if the process exits first. */
  async waitFor(pattern: RegExp): Promise<void> {
    while (!pattern.test(this.out) && !pattern.test(this.err)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before ${pattern}; stdout:\n${this.out}\nstderr:\n${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], env: Record<string, string>, hangMs?: number): Promise<CliExit> {
  return new CliProcess(args, env, hangMs).exited;
}
