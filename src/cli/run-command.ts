import { loadConfig } from '../config/load';
import { startOpsListeners } from '../ops/listeners';
import { runningProcessor, type RunningProcessor } from '../threads/running-processor';
import { topicPlan } from '../topics/create';
import { topicNames } from '../topics/names';
import { errorMessage } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';
import { noArgs } from './args';
import { resolveEndpoints } from './endpoints';
import { checkDependencies, checkLocal } from './preflight';
import { guardStop } from './stop-signals';

async function reloadModelVersions(processor: RunningProcessor): Promise<string> {
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

export const RUN_USAGE = `usage: scorestream run
  the processor: consumes lead.events and engagement.events, scores, and publishes exactly once,
  until SIGTERM or Ctrl-C (configuration: scorestream config; every setting is a SCORESTREAM_*
  variable or a key of the SCORESTREAM_CONFIG file). Before anything starts it checks state.dir,
  the brokers (TLS, SASL), the topics (scorestream topics create) and the registry: a problem is
  one line and exit 2 (configuration) or 1 (a dependency that cannot be reached). SIGTERM finishes
  the batch in flight and leaves the group within shutdown.timeoutMs (20 s), else exits 1; a second
  SIGTERM or Ctrl-C exits 1 at once`;

/**
 * `scorestream run`: the processor until SIGTERM or SIGINT, which let the batch in flight commit
 * (or abort) and leave the group before the process exits 0, within shutdown.timeoutMs.
 */
export async function runCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  noArgs('run', args);
  const config = loadConfig();
  const endpoints = await resolveEndpoints(config, print);
  const warn = (line: string): void => void process.stderr.write(`scorestream: ${line}\n`);
  checkLocal(config, warn, { models: true });
  // Resolves with the exit code once a signal (0) or the consumer's end (1) asks the run to stop.
  let requestStop: (code: number) => void = () => undefined;
  const stopRequested = new Promise<number>((resolve) => (requestStop = resolve));
  const guard = guardStop({
    command: 'run',
    timeoutMs: config.shutdownTimeoutMs,
    onSignal: (signal) => {
      print(`scorestream run: ${signal}: finishing the batch in flight, then leaving the group (at most ${config.shutdownTimeoutMs / 1000} s; a second ${signal} exits at once)`);
      requestStop(0);
    },
  });
  // The consumer gone for good: end the process non-zero, so that its supervisor starts it again.
  const fatal = (err: Error): void => {
    print(`scorestream run: the consumer stopped (${err.message}): leaving the group`);
    guard.arm('the consumer stopping');
    requestStop(1);
  };
  const processor = runningProcessor(config, endpoints, fatal);
  // SIGHUP: read the configuration again and put each model on the version it names now.
  const onHangup = (): void => void reloadModelVersions(processor).then((line) => print(`scorestream run: SIGHUP: ${line}`));
  process.on('SIGHUP', onHangup);
  let listeners: Awaited<ReturnType<typeof startOpsListeners>> | undefined;
  try {
    // /metrics and the probes on http.host; the model switch, when enabled, on its own listener (loopback by default).
    listeners = await startOpsListeners(config, processor.metrics, { health: () => processor.health(), ready: () => processor.ready() }, (model, policy) => processor.setModelVersion(model, policy));
    const names = topicNames(config.appId, config.topicPrefix);
    // A signal during the checks ends the run at once: nothing is built yet.
    const checked = await Promise.race([checkDependencies(config, endpoints, topicPlan(names, config.partitions).map((t) => t.topic)).then(() => true), stopRequested.then(() => false)]);
    if (!checked) return 0;
    // A signal during start stops what start has built once it is done building it (within the deadline).
    try {
      await processor.start();
    } catch (err: unknown) {
      // Whatever start built (connections, the inference worker) must not keep a failed process
      // alive: stopped as far as it goes within a few seconds, and the process exits regardless.
      await Promise.race([processor.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, Math.min(5_000, config.shutdownTimeoutMs)))]);
      throw err;
    }
    const described = listeners.describe();
    const threads = config.processingThreads > 1 ? ` with ${config.processingThreads} stream threads` : '';
    print(`scorestream run: consuming ${names.lead} and ${names.engagement} as group ${config.appId}${threads}${described ? `; ${described}` : ''}`);
    const code = await stopRequested;
    await processor.stop();
    print(`scorestream run: stopped${code === 0 ? '' : `, exit code ${code}`}`);
    return code;
  } finally {
    process.off('SIGHUP', onHangup);
    await listeners?.close();
    guard.dispose();
  }
}
