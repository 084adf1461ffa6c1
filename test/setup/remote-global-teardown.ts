import type { InferenceServer } from '../helpers/inference-server';
import globalTeardown from './global-teardown';

/**
 * Fails the run if the server scored nothing: the processors of this column must have gone through
 * it, not quietly through the local backend.
 */
export default async function remoteGlobalTeardown(): Promise<void> {
  const server = (globalThis as { inferenceServer?: InferenceServer }).inferenceServer;
  try {
    const counts = server ? await server.inferenceCounts() : {};
    process.stderr.write(`test services: the inference server scored ${JSON.stringify(counts)} rows\n`);
    const idle = ['lead_scorer', 'property_matcher', 'churn_predictor'].filter((m) => !((counts[m] ?? 0) > 0));
    if (idle.length > 0) throw new Error(`the remote column ran, but the inference server scored no rows of ${idle.join(', ')}: the processors did not use it`);
  } finally {
    await server?.close();
    await globalTeardown();
  }
}
