import { ScorestreamError } from '../errors';
import { openSession, runSession, type OpenSession } from './session';
import type { Inference, LoadedSession, ModelSignature, SessionOptions } from './types';

/** Inference on the calling thread: blocks the event loop during `run`; for benchmarks and tools. */
export class MainThreadInference implements Inference {
  private readonly sessions = new Map<string, OpenSession>();

  async load(key: string, model: Uint8Array, signature: ModelSignature, options: SessionOptions): Promise<LoadedSession> {
    const open = await openSession(model, signature, options);
    await this.sessions.get(key)?.session.release();
    this.sessions.set(key, open);
    return { provider: open.provider, ...(open.providerFallback ? { providerFallback: open.providerFallback } : {}) };
  }

  async run(key: string, rows: Float32Array, count: number): Promise<Float32Array> {
    const open = this.sessions.get(key);
    if (!open) throw new ScorestreamError('INFERENCE_FAILED', `no model loaded as ${key}`);
    return runSession(open, rows, count);
  }

  async release(key: string): Promise<void> {
    await this.sessions.get(key)?.session.release();
    this.sessions.delete(key);
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) await this.release(key);
  }
}
