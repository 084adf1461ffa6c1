import { loadConfig } from '../config/load';
import { ScorestreamError } from '../errors';
import { kafkaFromConfig } from '../kafka/client';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import { recordJson, recordLine } from '../tail/record-line';
import { parseFrom } from '../tail/start-offsets';
import { knownTopics, resolveTarget } from '../tail/target';
import { tailTopic } from '../tail/topic-reader';
import { topicNames } from '../topics/names';
import { intFlag, parseFlags } from './args';
import { resolveEndpoints } from './endpoints';

export const TAIL_USAGE = `usage: scorestream tail <topic|model> [--from WHERE] [--follow] [--limit N] [--key LEAD_ID] [--partition N] [--json]
  prints the records of an output topic, a DLQ or any topic of registry-encoded Avro, one line
  each: the lead, its score and band, top reasons or best matches, the model version that scored
  it, any fallback, and the input record it came from (a DLQ: the reason, the source and the
  error). Only records of committed transactions are read (read_committed); nothing is committed.
  <topic|model>   lead.scores, property.matches, lead.churn, lead.events.dlq, ..., or a model name
                  (lead_scorer reads lead.scores); topics.prefix is added to scorestream's names
  --from WHERE    earliest, latest, an offset (in each partition, or in --partition), a time
                  (2026-12-01T09:30:00Z) or a duration ago (15m, 2h, 1d); without --from: the
                  last --limit records (10 if not given), in time order
  --follow        then keep printing records as they are committed, until Ctrl-C
  --limit N       print at most N records (without --from: the last N, then --follow goes on)
  --key LEAD_ID   only the records of this lead (the record key)
  --partition N   only this partition
  --json          one JSON object per line (topic, partition, offset, timestamp, key, headers,
                  value), for jq
  uses kafka.brokers and registry.url, or the local services when they are running`;

export async function tailCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const positional = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && /^--(from|limit|key|partition)$/.test(args[i - 1] as string)));
  if (positional.length !== 1) throw new ScorestreamError('USAGE_INVALID', `tail: name one topic or model${positional.length > 1 ? `, not ${positional.length}` : ''} (scorestream tail --help)`);
  const arg = positional[0] as string;
  const values = parseFlags(
    'tail',
    args.filter((a) => a !== arg),
    { from: { type: 'string' }, follow: { type: 'boolean' }, limit: { type: 'string' }, key: { type: 'string' }, partition: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  );
  const limit = values.limit === undefined ? undefined : intFlag('limit', values.limit, 10, 1, 'tail');
  const partition = values.partition === undefined ? undefined : intFlag('partition', values.partition, 0, 0, 'tail');
  const from = values.from === undefined ? ({ kind: 'last', count: limit ?? 10 } as const) : parseFrom(values.from);
  const config = loadConfig();
  const names = topicNames(config.appId, config.topicPrefix);
  const target = resolveTarget(arg, names, config.topicPrefix);
  // Progress and errors go to stderr: stdout holds only records, for a pipe into jq or grep.
  const endpoints = await resolveEndpoints(config, (line) => process.stderr.write(`${line}\n`), { start: false });
  const kafka = kafkaFromConfig(config, endpoints.brokers, 'tail');
  const admin = kafka.admin();
  const registry = schemaRegistryClient(registryAccess(config, endpoints.registryUrl));
  let stopped: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (): void => stopped();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await admin.connect();
  try {
    const n = await tailTopic(
      kafka,
      admin,
      registry,
      { topic: target.topic, from, follow: values.follow === true, groupPrefix: config.appId, ...(limit !== undefined && values.from !== undefined ? { limit } : {}), ...(values.key !== undefined ? { key: values.key } : {}), ...(partition !== undefined ? { partition } : {}) },
      (r) => print(values.json ? recordJson(r) : recordLine(target, r)),
      stop,
    ).catch((err: unknown) => {
      if (err instanceof ScorestreamError && err.code === 'TOPICS_MISSING') {
        throw new ScorestreamError('TOPICS_MISSING', `${err.message} on ${endpoints.brokers.join(',')}; scorestream's topics: ${knownTopics(names).join(', ')}`);
      }
      throw err;
    });
    if (n === 0 && !values.json) process.stderr.write(`tail: no records${values.key === undefined ? '' : ` with key ${values.key}`} in ${target.topic}${values.from === undefined ? '' : ` from ${values.from}`}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await admin.disconnect().catch(() => undefined);
  }
}
