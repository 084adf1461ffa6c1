import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportTritonRepository, type TritonExportOptions } from '../../src/registry/triton-export';
import { freePorts } from './free-ports';
import { MODELS_DIR } from './models';

const HERE = path.resolve(__dirname, '..', 'inference-server');
const PYTHON = path.join(HERE, '.venv', 'bin', 'python');

/** Creates test/inference-server/.venv from its pinned requirements, once (setup.sh skips it when current). */
export function ensureServerInstalled(): void {
  execFileSync('bash', [path.join(HERE, 'setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The tritonserver binary of the installed wheel. */
function tritonBinary(): string {
  const lib = path.join(HERE, '.venv', 'lib');
  const python = fs.readdirSync(lib).find((d) => d.startsWith('python')) as string;
  return path.join(lib, python, 'site-packages', 'pytriton', 'tritonserver', 'bin', 'tritonserver');
}

/**
 * What Triton itself says when it loads `repository` as it is: config.pbtxt parsed by its own
 * parser, version policy applied, each version loaded through the backend the config names. This
 * Triton has no ONNX Runtime backend, so a correct export ends at "unable to find backend library".
 */
export async function tritonLoadLog(repository: string): Promise<string> {
  ensureServerInstalled();
  const [grpc, http, metrics] = (await freePorts(3)) as [number, number, number];
  const r = spawnSync(tritonBinary(), [`--model-repository=${repository}`, `--grpc-port=${grpc}`, `--http-port=${http}`, `--metrics-port=${metrics}`, '--exit-on-error=true', '--log-verbose=0'], { encoding: 'utf8', timeout: 60_000 });
  return `${r.stdout}\n${r.stderr}`;
}

/** `scorestream models export --format triton` of `modelsDir` into a new temporary directory. */
export function exportRepository(modelsDir = MODELS_DIR, options: Partial<TritonExportOptions> = {}): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ss-triton-')), 'repository');
  exportTritonRepository({ modelsDir, out, precision: 'auto', device: 'cpu', maxBatchRows: 4096, ...options });
  return out;
}

/**
 * A real Triton Inference Server (test/inference-server/serve.py) on free ports, serving an
 * exported repository on the CPU. `kill` and `pause` act on the server process itself, as an
 * outage or a hang would; `start` after `kill` brings it back on the same ports.
 */
export class InferenceServer {
  private child: ChildProcess | undefined;
  private readonly work: string;
  log = '';

  private constructor(
    readonly repository: string,
    private readonly ports: { grpc: number; http: number; metrics: number },
    private readonly tls?: { readonly cert: string; readonly key: string },
  ) {
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-triton-work-'));
  }

  /** `tls`: PEM files of a certificate and its key; the server then speaks gRPC over TLS only. */
  static async create(repository: string, tls?: { readonly cert: string; readonly key: string }): Promise<InferenceServer> {
    ensureServerInstalled();
    const [grpc, http, metrics] = (await freePorts(3)) as [number, number, number];
    return new InferenceServer(repository, { grpc, http, metrics }, tls);
  }

  get url(): string {
    return `${this.tls ? 'grpcs' : 'grpc'}://127.0.0.1:${this.ports.grpc}`;
  }

  private async ready(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.ports.http}/v2/health/ready`, { signal: AbortSignal.timeout(1000) })).status === 200;
    } catch {
      return false;
    }
  }

  /** Starts the server and resolves once every model version is ready. */
  async start(timeoutMs = 120_000): Promise<void> {
    const args = [path.join(HERE, 'serve.py'), '--repository', this.repository, '--work', path.join(this.work, String(Date.now())), '--grpc-port', String(this.ports.grpc), '--http-port', String(this.ports.http), '--metrics-port', String(this.ports.metrics), ...(this.tls ? ['--grpc-tls-cert', this.tls.cert, '--grpc-tls-key', this.tls.key] : [])];
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const keep = (b: Buffer): void => void (this.log = (this.log + b.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the inference server exited (${child.exitCode}):\n${this.log.slice(-4000)}`);
      if (await this.ready()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the inference server was not ready within ${timeoutMs} ms:\n${this.log.slice(-4000)}`);
  }

  /** Rows the server has scored per model (Triton's statistics extension), summed over versions. */
  async inferenceCounts(): Promise<Record<string, number>> {
    const res = await fetch(`http://127.0.0.1:${this.ports.http}/v2/models/stats`);
    const body = (await res.json()) as { model_stats: { name: string; inference_count: number }[] };
    const counts: Record<string, number> = {};
    for (const m of body.model_stats) counts[m.name] = (counts[m.name] ?? 0) + m.inference_count;
    return counts;
  }

  /** Sends `signal` to the server's whole process group (tritonserver and its Python stubs). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid !== undefined) process.kill(-pid, signal);
  }

  /** kill -9, and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    this.signal('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
