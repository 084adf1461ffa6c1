import type { Config } from '../config/schema';
import { MainThreadInference } from './main-thread-inference';
import { RemoteInference } from './remote-inference';
import type { Inference } from './types';
import { WorkerInference } from './worker-inference';

/** Where the processor's models run, by models.backend and models.inference. */
export function inferenceFor(c: Config): Inference {
  if (c.backend === 'remote') {
    return new RemoteInference({
      url: c.remoteUrl,
      timeoutMs: c.remoteTimeoutMs,
      maxInFlight: c.remoteMaxInFlight,
      maxBatchRows: c.remoteMaxBatchRows,
      tls: { caFile: c.remoteTlsCaFile || undefined, certFile: c.remoteTlsCertFile || undefined, keyFile: c.remoteTlsKeyFile || undefined },
    });
  }
  return c.inference === 'inline' ? new MainThreadInference() : new WorkerInference();
}

/** The local copy that answers while the inference server does not (models.remote.fallback=local). */
export function localFallbackFor(c: Config): Inference | undefined {
  if (c.backend !== 'remote' || c.remoteFallback !== 'local') return undefined;
  return c.inference === 'inline' ? new MainThreadInference() : new WorkerInference();
}
