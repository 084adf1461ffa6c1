import { parentPort } from 'node:worker_threads';
import { isScorestreamError, errorMessage } from '../errors';
import type { WorkerRequest, WorkerResponse } from './protocol';
import { openSession, runSession, type OpenSession } from './session';

/**
 * The inference worker: owns the ONNX Runtime sessions. `session.run` blocks the thread it runs
 * on for the whole batch, so it runs here and the main thread keeps heartbeating and fetching.
 */
const sessions = new Map<string, OpenSession>();
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

async function handle(req: WorkerRequest): Promise<WorkerResponse> {
  switch (req.op) {
    case 'load': {
      const open = await openSession(req.model, req.signature, req.options);
      await sessions.get(req.key)?.session.release();
      sessions.set(req.key, open);
      return { id: req.id, ok: true, loaded: { provider: open.provider, ...(open.providerFallback ? { providerFallback: open.providerFallback } : {}) } };
    }
    case 'run': {
      const open = sessions.get(req.key);
      if (!open) return { id: req.id, ok: false, code: 'INFERENCE_FAILED', message: `no model loaded as ${req.key}` };
      return { id: req.id, ok: true, scores: await runSession(open, req.rows, req.count) };
    }
    case 'release': {
      await sessions.get(req.key)?.session.release();
      sessions.delete(req.key);
      return { id: req.id, ok: true };
    }
  }
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (res) => port.postMessage(res, res.ok && res.scores ? [res.scores.buffer as ArrayBuffer] : []),
    (err: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        code: isScorestreamError(err) ? err.code : 'INFERENCE_FAILED',
        message: errorMessage(err),
      } satisfies WorkerResponse),
  );
});
