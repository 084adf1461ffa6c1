import { Worker } from 'node:worker_threads';
import { ScorestreamError } from '../errors';
import { workerScript } from '../worker-script';
import type { WorkerRequest, WorkerResponse } from './protocol';
import type { Inference, LoadedSession, ModelSignature, SessionOptions } from './types';

type Pending = { resolve: (res: WorkerResponse) => void; reject: (err: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

/**
 * Inference in a worker thread. If the worker dies (a native crash in a model, say), pending calls
 * fail with INFERENCE_FAILED and the next call starts a new worker and loads the models again.
 */
export class WorkerInference implements Inference {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loaded = new Map<string, { model: Uint8Array; signature: ModelSignature; options: SessionOptions }>();
  private closed = false;

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerScript('infer', 'worker', 'the inference worker', 'MODEL_LOAD_FAILED'));
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      this.pending.delete(res.id);
      p?.resolve(res);
    });
    const fail = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [, p] of this.pending) p.reject(new ScorestreamError('INFERENCE_FAILED', `inference worker ${why}`));
      this.pending.clear();
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private async call(req: Request, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    if (this.closed) throw new ScorestreamError('INFERENCE_FAILED', 'inference is closed');
    const fresh = this.worker === undefined;
    const worker = this.start();
    if (fresh) {
      // A new worker has no sessions: load again what the old one had (all but the one being loaded).
      for (const [key, l] of this.loaded) if (key !== req.key) WorkerInference.unwrap(await this.send(worker, { op: 'load', key, ...l }));
    }
    return this.send(worker, req, transfer);
  }

  private send(worker: Worker, req: Request, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id }, transfer);
    });
  }

  private static unwrap(res: WorkerResponse): Extract<WorkerResponse, { ok: true }> {
    if (!res.ok) throw new ScorestreamError(res.code, res.message);
    return res;
  }

  async load(key: string, model: Uint8Array, signature: ModelSignature, options: SessionOptions): Promise<LoadedSession> {
    const res = WorkerInference.unwrap(await this.call({ op: 'load', key, model, signature, options }));
    this.loaded.set(key, { model, signature, options });
    return res.loaded ?? { provider: options.provider };
  }

  async run(key: string, rows: Float32Array, count: number): Promise<Float32Array> {
    const width = this.loaded.get(key)?.signature.features ?? 0;
    // A copy is transferred, not shared: the caller may reuse its buffer at once.
    const copy = rows.slice(0, count * width);
    const res = WorkerInference.unwrap(await this.call({ op: 'run', key, rows: copy, count }, [copy.buffer]));
    if (!res.scores) throw new ScorestreamError('INFERENCE_FAILED', 'the worker returned no scores');
    return res.scores;
  }

  async release(key: string): Promise<void> {
    this.loaded.delete(key);
    if (this.worker) WorkerInference.unwrap(await this.call({ op: 'release', key }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
