import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { ScorestreamError, errorMessage } from '../errors';
import { untilEndOffsets } from '../kafka/end-offsets';
import type { TailRecord } from './record-line';
import { startOffset, type From, type PartitionRange } from './start-offsets';

export interface TailOptions {
  readonly topic: string;
  readonly from: From;
  readonly follow: boolean;
  /** Stop after this many records. */
  readonly limit?: number;
  /** Only records with this key (a lead id). */
  readonly key?: string;
  readonly partition?: number;
  /** The consumer group of this read is <groupPrefix>-tail-<uuid>: it commits nothing and is deleted at the end. */
  readonly groupPrefix: string;
}

function headerText(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) out[name] = v.toString();
  }
  return out;
}

async function toRecord(registry: SchemaRegistry, topic: string, partition: number, m: KafkaMessage): Promise<TailRecord> {
  const base = { topic, partition, offset: m.offset, timestamp: Number(m.timestamp), key: m.key === null ? null : m.key.toString('utf8'), headers: headerText(m.headers), raw: m.value };
  if (m.value === null) return base;
  try {
    return { ...base, value: (await registry.decode(m.value)) as unknown };
  } catch (err: unknown) {
    return { ...base, decodeError: (errorMessage(err).split('\n')[0] ?? 'unknown').replace(/^Confluent_Schema_Registry - /, '') };
  }
}

async function partitionRanges(admin: Admin, o: TailOptions): Promise<Map<number, PartitionRange>> {
  const topics = await admin.listTopics();
  if (!topics.includes(o.topic)) throw new ScorestreamError('TOPICS_MISSING', `tail: topic ${o.topic} does not exist`);
  const offsets = await admin.fetchTopicOffsets(o.topic);
  const atTime = o.from.kind === 'time' ? new Map((await admin.fetchTopicOffsetsByTimestamp(o.topic, o.from.ms)).map((x) => [x.partition, BigInt(x.offset)])) : undefined;
  if (o.partition !== undefined && !offsets.some((x) => x.partition === o.partition)) {
    throw new ScorestreamError('USAGE_INVALID', `tail: --partition=${o.partition}: ${o.topic} has partitions 0-${offsets.length - 1}`);
  }
  const ranges = new Map<number, PartitionRange>();
  for (const x of offsets) {
    if (o.partition !== undefined && x.partition !== o.partition) continue;
    const t = atTime?.get(x.partition);
    ranges.set(x.partition, { low: BigInt(x.low), high: BigInt(x.high), ...(t !== undefined && t >= 0n ? { atTime: t } : {}) });
  }
  return ranges;
}

const byTime = (a: TailRecord, b: TailRecord): number => a.timestamp - b.timestamp || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));

/**
 * Reads `o.topic` read_committed (records of aborted transactions never show) from the chosen
 * start, hands each record to `emit`, and resolves with how many it emitted: at the end offsets of
 * the start (without follow), at the limit, or when `stop` resolves. With From 'last', the last N
 * records up to the start are emitted in time order first.
 */
export async function tailTopic(kafka: Kafka, admin: Admin, registry: SchemaRegistry, o: TailOptions, emit: (r: TailRecord) => void, stop: Promise<void>): Promise<number> {
  const ranges = await partitionRanges(admin, o);
  const starts = new Map([...ranges].map(([p, r]) => [p, o.from.kind === 'last' && o.key !== undefined ? r.low : startOffset(o.from, r)]));
  const ends = new Map([...ranges].filter(([p, r]) => (starts.get(p) as bigint) < r.high).map(([p, r]) => [p, r.high]));
  const last = o.from.kind === 'last' ? o.from.count : undefined;
  let emitted = 0;
  let backlog: TailRecord[] | undefined = last === undefined ? undefined : [];
  const live: TailRecord[] = [];
  let reachedLimit: () => void = () => undefined;
  const limitReached = new Promise<void>((resolve) => (reachedLimit = resolve));
  const out = (r: TailRecord): void => {
    if (o.limit !== undefined && emitted >= o.limit) return;
    emit(r);
    emitted++;
    if (o.limit !== undefined && emitted >= o.limit) reachedLimit();
  };
  if (!o.follow && ends.size === 0) return 0;

  const groupId = `${o.groupPrefix}-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    const backlogDone = untilEndOffsets(consumer, ends).then(() => {
      // The last N up to the start, in time order; then what arrived meanwhile.
      if (backlog !== undefined) for (const r of backlog.sort(byTime).slice(-(last as number))) out(r);
      backlog = undefined;
      for (const r of live.splice(0)) out(r);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const others = (payload.memberAssignment[o.topic] ?? []).filter((p) => !starts.has(p));
      if (others.length > 0) consumer.pause([{ topic: o.topic, partitions: others }]);
      for (const [partition, offset] of starts) consumer.seek({ topic: o.topic, partition, offset: offset.toString() });
    });
    const running = consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const start = starts.get(batch.partition);
        if (start === undefined) return;
        const end = ranges.get(batch.partition)?.high ?? 0n;
        for (const m of batch.messages) {
          // Messages fetched before the seek took effect are skipped.
          if (BigInt(m.offset) < start) continue;
          if (o.key !== undefined && m.key?.toString('utf8') !== o.key) continue;
          const r = await toRecord(registry, o.topic, batch.partition, m);
          if (backlog !== undefined) {
            if (BigInt(m.offset) < end) backlog.push(r);
            else live.push(r);
            if (backlog.length > 4 * (last as number)) backlog = backlog.sort(byTime).slice(-(last as number));
          } else out(r);
        }
      },
    });
    const ended = o.follow ? new Promise<void>(() => undefined) : backlogDone;
    await Promise.race([ended, limitReached, stop, running.then(() => new Promise<never>(() => undefined))]);
    return emitted;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
