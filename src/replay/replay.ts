import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../config/schema';
import type { Side } from '../consume/partition-merge';
import { ScorestreamError } from '../errors';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import type { ModelName } from '../features/spec';
import type { Metrics } from '../ops/metrics';
import type { ScoreLine } from '../process/batch-task';
import { Processor, type ProcessorMode } from '../process/processor';
import { readSchema } from '../schemas/files';
import { topicNames, valueSubject } from '../topics/names';
import { diffReport, previousScores, type DiffReport } from './diff-report';
import { ReplayProgress, RateLimit } from './progress';
import { offsetsOf, planFile, readPlan, recordOf, writePlan, type ReplayPlan } from './plan';
import { resolveBound, type Bound } from './range';

export interface ReplayOptions {
  readonly topic: string;
  readonly from: Bound;
  readonly to: Bound;
  readonly model: ModelName;
  readonly version: string;
  readonly output?: string;
  /** Events/s over the range (0: no limit). */
  readonly rate: number;
  readonly runId: string;
  readonly dryRun: boolean;
}

export interface ReplaySummary {
  readonly runId: string;
  readonly groupId: string;
  readonly resumed: boolean;
  readonly alreadyComplete: boolean;
  readonly rescored: number;
  readonly historyRecords: number;
  readonly rebuildSeconds: number;
  readonly replaySeconds: number;
  readonly eventsPerSecond: number;
  readonly report?: DiffReport;
}

const OUTPUT_SCHEMA = { lead_scorer: 'LeadScore', property_matcher: 'PropertyMatches', churn_predictor: 'ChurnRisk' } as const;
const invalid = (message: string): ScorestreamError => new ScorestreamError('REPLAY_INVALID', message);

export const replayGroupId = (appId: string, runId: string): string => `${appId}-replay-${runId}`;

/**
 * `scorestream replay`: re-scores a bounded range of lead.events or engagement.events with one
 * model version. It is the processor under its own group, transactional ids, changelog and state
 * directory, reading both inputs from their start: records before the range (and the other
 * input's records) only rebuild state, in the same merged order the live processor used, so each
 * record in the range is scored with the features it had then; records in the range are scored
 * and written exactly once with x-replay-run. Committed offsets and the replay's own changelog
 * make it resumable under the same run id; the plan file fixes the range at the first start.
 */
export async function runReplay(config: Config, kafka: Kafka, registryUrl: string, options: ReplayOptions, print: (line: string) => void, metrics?: Metrics): Promise<ReplaySummary> {
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(options.runId)) throw invalid(`--run-id ${options.runId}: use letters, digits, '.', '_' and '-' (at most 80)`);
  const manifest = path.join(config.modelsDir, options.model, options.version, 'manifest.json');
  if (!fs.existsSync(manifest)) throw invalid(`--model ${options.model}@${options.version}: no ${manifest}`);
  const names = topicNames(config.appId, config.topicPrefix);
  const topic = [names.lead, names.engagement].find((t) => t === options.topic || t === `${config.topicPrefix}${options.topic}`);
  if (!topic) throw invalid(`--topic ${options.topic}: replay reads ${names.lead} or ${names.engagement} (property.events is a table, read whole by every run)`);
  const side: Side = topic === names.lead ? 0 : 1;
  const other = side === 0 ? names.engagement : names.lead;
  const groupId = options.dryRun ? `${config.appId}-replay-dry-${randomUUID().slice(0, 8)}` : replayGroupId(config.appId, options.runId);
  const replayNames = topicNames(groupId, config.topicPrefix);
  const output = options.output ?? names.outputs[options.model];

  const admin = kafka.admin();
  await admin.connect();
  try {
    const file = planFile(config.stateDir, groupId);
    let plan = options.dryRun ? undefined : readPlan(file);
    const resumed = plan !== undefined;
    if (plan) {
      if (plan.topic !== topic || plan.model !== options.model || plan.version !== options.version || plan.output !== output) {
        throw invalid(`run ${options.runId} replays ${plan.topic} with ${plan.model}@${plan.version} into ${plan.output}; start a new --run-id for anything else`);
      }
    } else {
      if (!options.dryRun && (await committedOffsets(admin, groupId, topic)).size > 0) {
        throw invalid(`run ${options.runId} has committed progress but no plan at ${file}: its range is unknown, start a new --run-id`);
      }
      const from = await resolveBound(admin, topic, options.from, 'low');
      const to = await resolveBound(admin, topic, options.to, 'high');
      for (const [p, f] of from) if (f > (to.get(p) ?? f)) throw invalid(`partition ${p}: --from (offset ${f}) is after --to (offset ${to.get(p)})`);
      const otherEnds = new Map((await admin.fetchTopicOffsets(other)).map((o) => [o.partition, BigInt(o.high)]));
      plan = { runId: options.runId, topic, model: options.model, version: options.version, output, from: recordOf(from), to: recordOf(to), otherEnds: recordOf(otherEnds), createdAt: new Date().toISOString() };
      if (!options.dryRun) writePlan(file, plan);
    }
    const from = offsetsOf(plan.from);
    const to = offsetsOf(plan.to);
    const otherEnds = offsetsOf(plan.otherEnds);
    const progress = new ReplayProgress(from, to);
    print(`replay ${options.runId}${options.dryRun ? ' (dry run: nothing is published)' : ''}: ${topic} [${[...from].map(([p, f]) => `${p}:${f}-${to.get(p)}`).join(' ')}] with ${options.model}@${options.version} into ${output}${resumed ? ', resuming' : ''}`);

    if (!options.dryRun) {
      const committed = await committedOffsets(admin, groupId, topic);
      for (const [p, o] of committed) progress.update(p, o);
      if (progress.finished()) {
        print(`replay ${options.runId}: already complete`);
        return { runId: options.runId, groupId, resumed, alreadyComplete: true, rescored: 0, historyRecords: 0, rebuildSeconds: 0, replaySeconds: 0, eventsPerSecond: 0 };
      }
      await ensureTopics(admin, registryUrl, config, replayNames.changelog, output, options.model, names.outputs[options.model], from.size);
    }

    const lines: ScoreLine[] = [];
    const rate = new RateLimit(options.rate);
    const inRange = (partition: number, s: Side, offset: string): boolean => s === side && BigInt(offset) >= (from.get(partition) ?? 0n);
    const mode: ProcessorMode = {
      groupId,
      versions: { [options.model]: options.version },
      // A dry run encodes with the normal topic's schema: it publishes nothing anywhere.
      outputs: options.dryRun ? names.outputs : { ...names.outputs, [options.model]: output },
      replay: { run: options.runId, models: [options.model], emits: (r, p) => inRange(p, r.side, r.message.offset) },
      bounds: (p) => {
        const ends: [bigint | undefined, bigint | undefined] = side === 0 ? [to.get(p), otherEnds.get(p)] : [otherEnds.get(p), to.get(p)];
        return { limits: ends, ends, neverCaughtUp: side };
      },
      beforeBatch: (p, records) => rate.take(records.filter((r) => inRange(p, r.side, r.message.offset)).length),
      afterBatch: (p, positions) => progress.update(p, positions[side]),
      ...(options.dryRun ? { dryRun: async (batch) => void lines.push(...batch.lines) } : {}),
    };
    // A rate limit waits inside a batch: keep one batch to about a second's worth.
    const replayConfig: Config = { ...config, batchMaxRecords: options.rate > 0 ? Math.max(1, Math.min(config.batchMaxRecords, Math.round(options.rate))) : config.batchMaxRecords, httpPort: 0 };
    const processor = new Processor(replayConfig, kafka, registryUrl, {
      ...(metrics ? { metrics } : {}),
      onBatch: (_p, r) => {
        progress.history += r.records - r.scored;
      },
    }, mode);
    let ticker: NodeJS.Timeout | undefined;
    try {
      await processor.start();
      await new Promise<void>((resolve) => {
        ticker = setInterval(() => {
          for (const p of to.keys()) progress.update(p, processor.position(p, side));
          metrics?.replayDone.set({ run: options.runId }, progress.completed);
          metrics?.replayTotal.set({ run: options.runId }, progress.total);
          if (progress.finished()) resolve();
          else print(`replay ${options.runId}: ${progress.line()}`);
        }, 1_000);
      });
    } finally {
      if (ticker) clearInterval(ticker);
      await processor.stop();
    }
    const replaySeconds = Math.max(0.001, progress.rescoringSeconds);
    const summary: ReplaySummary = {
      runId: options.runId,
      groupId,
      resumed,
      alreadyComplete: false,
      rescored: progress.completed,
      historyRecords: progress.history,
      rebuildSeconds: progress.rebuildSeconds,
      replaySeconds,
      eventsPerSecond: progress.completed / replaySeconds,
      ...(options.dryRun
        ? { report: diffReport(options.model, options.version, lines, await previousScores(kafka, admin, schemaRegistryClient(registryAccess(config, registryUrl)), output, options.model, options.version)) }
        : {}),
    };
    // The run is done: its state and changelog served only to resume it. The plan and the group's
    // offsets stay, so the same run id says "already complete" instead of starting over.
    fs.rmSync(path.join(config.stateDir, groupId), { recursive: true, force: true });
    if (options.dryRun) await admin.deleteGroups([groupId]).catch(() => undefined);
    else await admin.deleteTopics({ topics: [replayNames.changelog] }).catch(() => undefined);
    return summary;
  } finally {
    await admin.disconnect();
  }
}

async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((offsets?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => [p.partition, BigInt(p.offset)]));
}

/** The replay's changelog (compacted, one partition per input partition) and a custom output topic with the model's schema. */
async function ensureTopics(admin: Admin, registryUrl: string, config: Config, changelog: string, output: string, model: ModelName, normalOutput: string, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [
    ...(existing.has(changelog) ? [] : [{ topic: changelog, numPartitions: partitions, replicationFactor: config.replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]),
    ...(existing.has(output) ? [] : [{ topic: output, numPartitions: partitions, replicationFactor: config.replicationFactor }]),
  ];
  if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing });
  if (output !== normalOutput) {
    const registry = schemaRegistryClient(registryAccess(config, registryUrl));
    await registry.register({ type: SchemaType.AVRO, schema: readSchema(OUTPUT_SCHEMA[model]) }, { subject: valueSubject(output), compatibility: COMPATIBILITY.BACKWARD });
  }
}
