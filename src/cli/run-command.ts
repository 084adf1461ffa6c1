import client from 'prom-client';
import { loadConfig } from '../config/load';
import { kafkaFromConfig } from '../kafka/client';
import { startOpsListeners } from '../ops/listeners';
import { createMetrics } from '../ops/metrics';
import { Processor } from '../process/processor';
import { topicNames } from '../topics/names';
import { errorMessage } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';
import { resolveEndpoints } from './endpoints';

async function reloadModelVersions(processor: Processor): Promise<string> {
  let config;
  try {
    config = loadConfig();
  } catch (err: unknown) {
    return `configuration not reloaded, models unchanged: ${errorMessage(err)}`;
  }
  const wanted: Record<ModelName, string> = { lead_scorer: config.leadScorerVersion, property_matcher: config.propertyMatcherVersion, churn_predictor: config.churnPredictorVersion };
  const results = await Promise.all(
    MODEL_NAMES.map((m) => processor.setModelVersion(m, wanted[m]).then((v) => `${m} ${v}`, (err: unknown) => `${m} unchanged (${errorMessage(err)})`)),
  );
  return results.join('; ');
}

/**
 * `scorestream run`: the processor until SIGTERM or SIGINT, which let the batch in flight commit
 * (or abort) and leave the group before the process exits 0.
 */
export async function runCommand(_args: readonly string[], print: (line: string) => void): Promise<number> {
  const config = loadConfig();
  const endpoints = await resolveEndpoints(config, print);
  const metrics = createMetrics(new client.Registry());
  // The consumer gone for good: end the process non-zero, so that its supervisor starts it again.
  let fatal: (err: Error) => void = () => undefined;
  const processor = new Processor(config, kafkaFromConfig(config, endpoints.brokers, 'processor'), endpoints.registryUrl, { metrics, onFatal: (err) => fatal(err) });
  // /metrics and the probes on http.host; the model switch, when enabled, on its own listener (loopback by default).
  const listeners = await startOpsListeners(
    config,
    metrics,
    {
      health: () => {
        const h = processor.health();
        return { ok: h.ok, detail: h };
      },
      ready: () => processor.isReady,
    },
    (model, policy) => processor.setModelVersion(model, policy),
  );
  let started: Promise<void> = Promise.resolve();
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string, code = 0): void => {
      print(`scorestream run: ${signal}: finishing the batch in flight, then leaving the group`);
      // A signal during start-up stops what start has built once it is done building it.
      started.catch(() => undefined).then(() => processor.stop()).then(() => resolve(code), () => resolve(code));
    };
    fatal = (err) => stop(`the consumer stopped (${err.message})`, 1);
    // SIGHUP: read the configuration again and put each model on the version it names now.
    process.on('SIGHUP', () => {
      void reloadModelVersions(processor).then((line) => print(`scorestream run: SIGHUP: ${line}`));
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  started = processor.start();
  try {
    await started;
  } catch (err: unknown) {
    // Whatever start built (connections, listeners) must not keep a failed process alive.
    await processor.stop().catch(() => undefined);
    await listeners.close();
    throw err;
  }
  const names = topicNames(config.appId, config.topicPrefix);
  print(`scorestream run: consuming ${names.lead} and ${names.engagement} as group ${config.appId}${listeners.describe() ? `; ${listeners.describe()}` : ''}`);
  const code = await stopped;
  await listeners.close();
  print(`scorestream run: stopped${code === 0 ? '' : `, exit code ${code}`}`);
  return code;
}
