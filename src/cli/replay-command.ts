import fs from 'node:fs';
import type http from 'node:http';
import client from 'prom-client';
import { loadConfig } from '../config/load';
import { ScorestreamError } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';
import { kafkaFromConfig } from '../kafka/client';
import { startHttpServer } from '../ops/http-server';
import { createMetrics } from '../ops/metrics';
import { formatReport } from '../replay/diff-report';
import { parseBound } from '../replay/range';
import { runReplay, type ReplayOptions } from '../replay/replay';
import { listenError } from '../ops/listen-error';
import { resolveEndpoints } from './endpoints';
import { checkDependencies, checkLocal } from './preflight';

export const REPLAY_USAGE = `usage: scorestream replay --topic lead.events --from <ISO time | earliest | p:offset,...> --model <name>@<x.y.z>
         [--to <ISO time | latest | p:offset,...>] [--output <topic>] [--rate <events/s>] [--run-id <id>]
         [--dry-run [--report <file.json>]] [--metrics-port <port>]
  Re-scores a bounded range (--to defaults to the end offsets when the run first starts) with one
  model version, under its own consumer group, state and changelog: the live group is untouched.
  State is rebuilt from the history before --from without publishing. Outputs go exactly once to
  the model's output topic (or --output) with x-replay-run. The same --run-id resumes after a crash.
  --dry-run publishes nothing and reports how the scores differ from the previous version's.`;

function parseArgs(args: readonly string[]): ReplayOptions & { report?: string; metricsPort?: number } {
  const flags = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--dry-run') dryRun = true;
    else if (['--topic', '--from', '--to', '--model', '--output', '--rate', '--run-id', '--report', '--metrics-port'].includes(a) && i + 1 < args.length) flags.set(a, args[++i] as string);
    else throw new ScorestreamError('REPLAY_INVALID', `replay: unexpected argument '${a}' (scorestream replay --help lists the options; each --flag but --dry-run takes a value)`);
  }
  const need = (flag: string): string => {
    const v = flags.get(flag);
    if (v === undefined) throw new ScorestreamError('REPLAY_INVALID', `replay: ${flag} is required (scorestream replay --help)`);
    return v;
  };
  const modelSpec = need('--model');
  const [model, version] = modelSpec.split('@') as [string, string | undefined];
  if (!(MODEL_NAMES as readonly string[]).includes(model) || version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new ScorestreamError('REPLAY_INVALID', `replay: --model ${modelSpec}: expected <name>@<x.y.z> with name one of ${MODEL_NAMES.join(', ')}`);
  }
  const rateText = flags.get('--rate') ?? '0';
  const rate = Number(rateText);
  if (!Number.isFinite(rate) || rate < 0) throw new ScorestreamError('REPLAY_INVALID', `replay: --rate ${rateText}: expected events per second (0: no limit)`);
  const portText = flags.get('--metrics-port');
  const metricsPort = portText === undefined ? undefined : Number(portText);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort > 0 && metricsPort < 65536)) throw new ScorestreamError('REPLAY_INVALID', `replay: --metrics-port ${portText}: expected a port`);
  const output = flags.get('--output');
  const report = flags.get('--report');
  return {
    topic: need('--topic'),
    from: parseBound('--from', need('--from')),
    to: parseBound('--to', flags.get('--to') ?? 'latest'),
    model: model as ModelName,
    version,
    rate,
    runId: flags.get('--run-id') ?? `${model}-${version}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    dryRun,
    ...(output === undefined ? {} : { output }),
    ...(report === undefined ? {} : { report }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  };
}

/** `scorestream replay`: see REPLAY_USAGE. Progress goes to stderr once a second; the summary to stdout. */
export async function replayCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  if (args.includes('--help')) {
    print(REPLAY_USAGE);
    return 0;
  }
  const options = parseArgs(args);
  const config = loadConfig();
  const endpoints = await resolveEndpoints(config, print);
  checkLocal(config, (line) => void process.stderr.write(`scorestream: ${line}\n`), { models: true });
  const metrics = createMetrics(new client.Registry());
  let server: http.Server | undefined;
  const port = options.metricsPort;
  if (port !== undefined) {
    server = await startHttpServer(config.httpHost, port, metrics.registry, { health: () => ({ ok: true, detail: {} }), ready: () => true }).catch((err: unknown) => {
      throw listenError(err, { hostKey: 'http.host', portKey: '--metrics-port', host: config.httpHost, port });
    });
  }
  try {
    await checkDependencies(config, endpoints);
    const summary = await runReplay(config, kafkaFromConfig(config, endpoints.brokers, 'replay', { onRetried: (kind) => metrics.kafkaRetries.inc({ kind }) }), endpoints.registryUrl, options, (line) => void process.stderr.write(`${line}\n`), metrics);
    if (!summary.alreadyComplete) {
      print(
        `replay ${summary.runId}: ${options.dryRun ? 'scored' : 'wrote'} ${summary.rescored} records in ${summary.replaySeconds.toFixed(1)} s (${Math.round(summary.eventsPerSecond)} events/s)` +
          ` after rebuilding state from ${summary.historyRecords} history records in ${summary.rebuildSeconds.toFixed(1)} s${summary.resumed ? ' (resumed)' : ''}`,
      );
    } else print(`replay ${summary.runId}: already complete, nothing to do`);
    if (summary.report) {
      for (const line of formatReport(summary.report)) print(line);
      if (options.report) {
        fs.writeFileSync(options.report, `${JSON.stringify(summary.report, null, 2)}\n`);
        print(`report written to ${options.report}`);
      }
    }
    return 0;
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
