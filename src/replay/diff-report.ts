import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { ModelName } from '../features/spec';
import { untilEndOffsets } from '../kafka/end-offsets';
import type { ScoreLine } from '../process/batch-task';
import { HEADERS } from '../publish/headers';

export interface PreviousScore {
  readonly version: string;
  readonly value: number;
}

const sourceKey = (topic: string, partition: number | string, offset: string): string => `${topic}/${partition}/${offset}`;

/** The headline number of an output record: what a dry run compares. */
export function headline(model: ModelName, value: unknown): number {
  const v = value as { conversion_probability?: number; churn_probability?: number; matches?: { score: number }[] };
  if (model === 'lead_scorer') return v.conversion_probability ?? Number.NaN;
  if (model === 'churn_predictor') return v.churn_probability ?? Number.NaN;
  return v.matches?.[0]?.score ?? 0;
}

/**
 * The score each input record last got from a version other than `version` in `outputTopic`
 * (read_committed, to its end): "what the previous version said". Where only `version` scored a
 * record, that score is taken.
 */
export async function previousScores(kafka: Kafka, admin: Admin, registry: SchemaRegistry, outputTopic: string, model: ModelName, version: string): Promise<Map<string, PreviousScore>> {
  const ends = new Map((await admin.fetchTopicOffsets(outputTopic)).map((o) => [o.partition, BigInt(o.high)]));
  const other = new Map<string, PreviousScore>();
  const same = new Map<string, PreviousScore>();
  const groupId = `scorestream-diff-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: outputTopic, fromBeginning: true });
    const done = untilEndOffsets(consumer, ends);
    const h = (m: KafkaMessage, name: string): string | undefined => m.headers?.[name]?.toString();
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = h(m, HEADERS.modelVersion);
          const topic = h(m, HEADERS.sourceTopic);
          if (h(m, HEADERS.modelName) !== model || v === undefined || topic === undefined || m.value === null) continue;
          const key = sourceKey(topic, h(m, HEADERS.sourcePartition) ?? '', h(m, HEADERS.sourceOffset) ?? '');
          (v === version ? same : other).set(key, { version: v, value: headline(model, await registry.decode(m.value)) });
        }
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  for (const [k, s] of same) if (!other.has(k)) other.set(k, s);
  return other;
}

export interface DiffReport {
  readonly model: ModelName;
  readonly version: string;
  readonly rescored: number;
  /** Re-scored records with a previous score to compare with. */
  readonly compared: number;
  readonly missingPrevious: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly previousVersions: Record<string, number>;
  /** new - old over the changed records. */
  readonly delta: { readonly mean: number; readonly p50: number; readonly p95AbsDelta: number; readonly maxAbsDelta: number };
  /** Changed records by |new - old|. */
  readonly histogram: { readonly upTo: string; readonly count: number }[];
  readonly largest: { readonly source: string; readonly old: number; readonly new: number; readonly delta: number; readonly previousVersion: string }[];
}

const BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, Number.POSITIVE_INFINITY];

/** Compares a dry run's scores with the previous ones. "Changed" means any difference at all. */
export function diffReport(model: ModelName, version: string, lines: readonly ScoreLine[], previous: ReadonlyMap<string, PreviousScore>): DiffReport {
  const changes: { source: string; old: number; new: number; delta: number; previousVersion: string }[] = [];
  const previousVersions: Record<string, number> = {};
  let compared = 0;
  for (const l of lines) {
    if (l.model !== model) continue;
    const source = sourceKey(l.source.topic, l.source.partition, l.source.offset);
    const old = previous.get(source);
    if (!old) continue;
    compared++;
    previousVersions[old.version] = (previousVersions[old.version] ?? 0) + 1;
    if (old.value !== l.value) changes.push({ source, old: old.value, new: l.value, delta: l.value - old.value, previousVersion: old.version });
  }
  const rescored = lines.filter((l) => l.model === model).length;
  const deltas = changes.map((c) => c.delta).sort((a, b) => a - b);
  const abs = changes.map((c) => Math.abs(c.delta)).sort((a, b) => a - b);
  const q = (xs: number[], f: number): number => (xs.length === 0 ? 0 : (xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] as number));
  const histogram = BUCKETS.map((upTo, i) => ({
    upTo: Number.isFinite(upTo) ? `${upTo}` : 'more',
    count: abs.filter((a) => a <= upTo && (i === 0 || a > (BUCKETS[i - 1] as number))).length,
  }));
  return {
    model,
    version,
    rescored,
    compared,
    missingPrevious: rescored - compared,
    changed: changes.length,
    unchanged: compared - changes.length,
    previousVersions,
    delta: { mean: deltas.length === 0 ? 0 : deltas.reduce((a, b) => a + b, 0) / deltas.length, p50: q(deltas, 0.5), p95AbsDelta: q(abs, 0.95), maxAbsDelta: abs.at(-1) ?? 0 },
    histogram,
    largest: changes.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, 10),
  };
}

export function formatReport(r: DiffReport): string[] {
  const f = (x: number): string => x.toFixed(6);
  return [
    `dry run: ${r.model} ${r.version} re-scored ${r.rescored} records; ${r.compared} had a previous score (${Object.entries(r.previousVersions).map(([v, n]) => `${n} by ${v}`).join(', ') || 'none'}), ${r.missingPrevious} had none`,
    `  changed ${r.changed}, unchanged ${r.unchanged}`,
    `  change (new - old): mean ${f(r.delta.mean)}, median ${f(r.delta.p50)}; |change| p95 ${f(r.delta.p95AbsDelta)}, max ${f(r.delta.maxAbsDelta)}`,
    `  |change| histogram: ${r.histogram.map((b) => `<=${b.upTo}: ${b.count}`).join(', ')}`,
    '  largest changes:',
    ...r.largest.map((c) => `    ${c.source}: ${f(c.old)} (${c.previousVersion}) -> ${f(c.new)} (${c.delta >= 0 ? '+' : ''}${f(c.delta)})`),
  ];
}
