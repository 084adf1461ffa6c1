import path from 'node:path';
import { loadConfig } from '../config/load';
import type { Config } from '../config/schema';
import { ScorestreamError } from '../errors';
import { horizonsOf } from '../features/labels';
import { kafkaFromConfig } from '../kafka/client';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import { topicNames } from '../topics/names';
import { exportHistory, type ExportReport } from '../training/export';
import type { History } from '../training/history';
import { readJsonlHistory } from '../training/jsonl-history';
import { ExportProgress } from '../training/progress';
import { DEFAULT_SAMPLE, parseSample } from '../training/sample';
import { readScoringPoints } from '../training/scoring-points';
import { readTopicHistory } from '../training/topic-history';
import { intFlag, parseFlags } from './args';
import { resolveEndpoints } from './endpoints';
import { checkDependencies } from './preflight';

export const FEATURES_USAGE = `usage: scorestream features export (--from-topics | --from-jsonl DIR) [--from <ISO time | earliest>]
         [--to <ISO time>] [--sample all | per-lead:N] [--seed S] [--at FILE] [--out DIR]
  Replays a history through the serving feature code, in the order the processor applies it, and
  writes one training table per model to DIR/<model>/ (X.npy, y.npy, times.npy, groups.npy,
  keys.tsv, meta.json; default DIR training/export). Each row is labelled by what the lead did next
  (labels.* settings); rows whose horizon passes the end of the data are censored and counted.
  --from-topics      lead.events, engagement.events and property.events up to their current end,
                     read_committed, with a consumer that commits nothing
  --from-jsonl DIR   the files \`scorestream generate\` writes (one JSON event per line per topic)
  --from             only events at or after this time become rows (earlier ones build state)
  --to               the data ends here: later events are not read; rows near it are censored
  --sample           which scored events become rows: all, or at most N per lead chosen by a
                     seeded hash of the event id (default per-lead:${DEFAULT_SAMPLE.kind === 'per-lead' ? DEFAULT_SAMPLE.max : 0})
  --at FILE          exactly the events listed in FILE (JSON lines: lead_id, event_id, optional
                     pairs and true probabilities, as the generator's outcomes.jsonl)`;

function time(flag: string, text: string | undefined, allowEarliest: boolean): number | undefined {
  if (text === undefined || (allowEarliest && text === 'earliest')) return undefined;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(ms)) {
    throw new ScorestreamError('USAGE_INVALID', `${flag} ${text}: expected an ISO time like 2026-03-01T00:00:00Z${allowEarliest ? ' or earliest' : ''}`);
  }
  return ms;
}

async function topicHistory(config: Config, print: (line: string) => void, progress: ExportProgress): Promise<History> {
  const endpoints = await resolveEndpoints(config, print);
  const names = topicNames(config.appId, config.topicPrefix);
  await checkDependencies(config, endpoints, [names.lead, names.engagement, names.property]);
  return readTopicHistory({
    kafka: kafkaFromConfig(config, endpoints.brokers, 'export'),
    registry: schemaRegistryClient(registryAccess(config, endpoints.registryUrl)),
    names,
    appId: config.appId,
    onRead: (read, total) => progress.update('reading', read, total, '', read === total),
  });
}

export function reportLines(report: ExportReport, out: string): string[] {
  const day = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '-');
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = [`  ${n(report.recordsRead)} records read, ${n(report.applied)} events applied; events ${day(report.firstEvent)} .. ${day(report.lastEvent)}, data ends ${day(report.dataEnd)} -> ${out}`];
  for (const t of report.tables) {
    lines.push(
      `  ${t.model.padEnd(17)} ${n(t.rows).padStart(9)} rows  ${((t.positives / Math.max(1, t.rows)) * 100).toFixed(1).padStart(5)}% positive  ${n(t.censored).padStart(7)} censored  ${n(t.leads).padStart(7)} leads  data sha256 ${t.dataSha256.slice(0, 12)}`,
    );
  }
  const skipped = [...report.skipped].sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(`  left out: ${skipped.length === 0 ? 'nothing' : skipped.map(([reason, count]) => `${reason} ${n(count)}`).join(', ')}`);
  return lines;
}

/** The flags `features export` and `train` share. */
export const EXPORT_FLAGS = {
  'from-topics': { type: 'boolean' },
  'from-jsonl': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  at: { type: 'string' },
  out: { type: 'string' },
} as const;

export type ExportFlags = { [K in keyof typeof EXPORT_FLAGS]?: (typeof EXPORT_FLAGS)[K]['type'] extends 'string' ? string : boolean };

/** Runs the export the flags describe (`command` names the verb in messages); the report goes to `print`. */
export async function exportFromFlags(command: string, values: ExportFlags, config: Config, print: (line: string) => void): Promise<{ out: string; report: ExportReport }> {
  if (Boolean(values['from-topics']) === (values['from-jsonl'] !== undefined)) {
    throw new ScorestreamError('USAGE_INVALID', `${command}: give exactly one of --from-topics and --from-jsonl DIR (scorestream ${command} --help)`);
  }
  const seed = intFlag('seed', values.seed, DEFAULT_SAMPLE.kind === 'per-lead' ? DEFAULT_SAMPLE.seed : 42, 0, command);
  const options = {
    out: path.resolve(values.out ?? 'training/export'),
    from: time('--from', values.from, true),
    to: time('--to', values.to, false),
    sample: values.sample === undefined ? { ...DEFAULT_SAMPLE, seed } : parseSample(values.sample, seed),
    at: values.at === undefined ? undefined : readScoringPoints(values.at),
    horizons: horizonsOf(config),
    timeBounds: { maxFutureMs: config.maxFutureMs, maxPastMs: config.maxPastMs },
  };
  const progress = new ExportProgress((line) => void process.stderr.write(`${line}\n`));
  const jsonl = values['from-jsonl'];
  print(`scorestream ${command}: exporting from ${jsonl === undefined ? 'the topics' : jsonl}`);
  const history = jsonl === undefined ? await topicHistory(config, print, progress) : readJsonlHistory(jsonl);
  const report = exportHistory(history, options, progress);
  for (const line of reportLines(report, options.out)) print(line);
  return { out: options.out, report };
}

export async function featuresCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'export') {
    if (verb !== undefined) {
      process.stderr.write(`scorestream: features: unknown subcommand '${verb}' (scorestream features --help)\n`);
      return 2;
    }
    print(FEATURES_USAGE);
    return 0;
  }
  const t0 = Date.now();
  await exportFromFlags('features export', parseFlags('features export', rest, EXPORT_FLAGS), loadConfig(), print);
  print(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}
