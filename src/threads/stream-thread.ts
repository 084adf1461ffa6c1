/**
 * One stream thread (processing.threads > 1): a whole processor in a worker thread, with its own
 * Kafka clients, transactional producers, consumer group member, merge, state store and models.
 * It starts when asked, answers the main thread's probes and metric scrapes, and stops when asked;
 * signals, listeners and the exit code are the main thread's (stream-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import client from 'prom-client';
import { kafkaFromConfig } from '../kafka/client';
import { createMetrics } from '../ops/metrics';
import { Processor } from '../process/processor';
import { threadError, type ThreadData, type ThreadHealth, type ThreadMessage, type ThreadRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('stream-thread.js runs as a worker thread of scorestream run');

const data = workerData as ThreadData;
const post = (message: ThreadMessage): void => port.postMessage(message);

// The process's own metrics (CPU, memory) are the main thread's: this thread's would count them again.
const metrics = createMetrics(new client.Registry(), { processMetrics: false });
const processor = new Processor(
  data.config,
  kafkaFromConfig(data.config, data.brokers, `processor-${data.index}`, { onRetried: (kind) => metrics.kafkaRetries.inc({ kind }) }),
  data.registryUrl,
  {
    metrics,
    logBindings: { thread: data.index },
    onFatal: (err) => post({ type: 'fatal', error: threadError(err) }),
    ...(data.reportBatches ? { onBatch: (_partition: number, result: { records: number }) => post({ type: 'batch', records: result.records }) } : {}),
  },
  data.mode,
);

function health(): ThreadHealth {
  return { ready: processor.isReady, detail: processor.health() };
}

async function answer(id: number, work: () => unknown): Promise<void> {
  try {
    post({ type: 'reply', id, value: await work() });
  } catch (err: unknown) {
    post({ type: 'reply', id, error: threadError(err) });
  }
}

port.on('message', (req: ThreadRequest) => {
  switch (req.op) {
    case 'start':
      processor.start().then(
        () => post({ type: 'started' }),
        (err: unknown) => post({ type: 'start-failed', error: threadError(err) }),
      );
      return;
    case 'stop':
      // Whatever the stop meets, the main thread hears that it is over: it ends the thread next.
      void processor
        .stop()
        .catch(() => undefined)
        .then(() => post({ type: 'stopped' }));
      return;
    case 'health':
      void answer(req.id, health);
      return;
    case 'metrics':
      void answer(req.id, () => metrics.registry.getMetricsAsJSON());
      return;
    case 'reset-stages':
      metrics.stageSeconds.reset();
      return;
    case 'set-model':
      void answer(req.id, () => processor.setModelVersion(req.model, req.policy));
      return;
  }
});
