import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** `scorestream run` (or another command) as a child process, as an operator runs it, so it can be SIGKILLed. */
export class ChildProcessor {
  private child: ChildProcess | undefined;
  readonly starts: number[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    private readonly args: readonly string[] = ['run'],
  ) {}

  start(): void {
    const out = fs.openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [CLI, ...this.args], { env: { ...process.env, ...this.env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.starts.push(Date.now());
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    // A graceful stop that does not finish in time is a failure to report, not a hung test.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    if (signal === 'SIGTERM' && child.signalCode === 'SIGKILL') throw new Error(`scorestream run did not stop within 30 s of SIGTERM; see ${this.logFile}`);
  }

  /** Sends `signal` without waiting for an exit (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Resolves once the log shows `pattern` at least `count` times. */
  async waitForLog(pattern: RegExp, count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const global = new RegExp(pattern.source, 'g');
    while ((fs.readFileSync(this.logFile, 'utf8').match(global) ?? []).length < count) {
      if (Date.now() > deadline) throw new Error(`${pattern} did not appear ${count} times in ${this.logFile}; it ends:\n${fs.readFileSync(this.logFile, 'utf8').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves with the exit code once the process exits by itself. */
  exit(timeoutMs: number): Promise<number | null> {
    const child = this.child;
    if (!child) return Promise.resolve(null);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.args.join(' ')} did not exit within ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
}
