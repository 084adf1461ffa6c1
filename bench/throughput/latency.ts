import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka, Message } from 'kafkajs';
import { defaultPartition } from '../../src/consume/partitioning';
import { HEADERS } from '../../src/publish/headers';
import type { TopicNames } from '../../src/topics/names';
import { inputEncoders, inputProducer, isLead, type InputEvent } from './events';

export interface LatencyResult {
  /** Input rate asked for, and reached by the producer (events/s). */
  readonly rate: number;
  readonly producedRate: number;
  /** Events produced after the warm-up, and how many of them had an output within the drain time. */
  readonly measured: number;
  readonly delivered: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Co-partitioning is all the processor needs: any hash of the lead id, the same for both inputs. */
/** The partition the partitioning contract gives a lead (murmur2 of its id, as Kafka's default partitioner). */
function partitionOf(leadId: string, partitions: number): number {
  return defaultPartition(Buffer.from(leadId), partitions);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Produces `events` at `rate` events/s (a batch every 10 ms) for `seconds`, while a read_committed
 * consumer of `output` notes when each output arrives. End-to-end latency: from the moment its
 * input was handed to the producer to the moment its output was read, joined on the output's
 * x-source-* headers. The first `warmupSeconds` are not counted; `onWarm` is called when they end.
 */
export async function measureLatency(
  kafka: Kafka,
  registry: SchemaRegistry,
  names: TopicNames,
  output: string,
  events: readonly InputEvent[],
  options: { rate: number; seconds: number; warmupSeconds: number; drainSeconds: number; partitions: number; onWarm?: () => void },
): Promise<LatencyResult> {
  const enc = await inputEncoders(registry, names);
  const sentAt = new Map<string, number>();
  const arrivals: { key: string; at: number }[] = [];
  // The reader shares the broker and the cores with what it measures, so it asks no more of them
  // than it must: no offset commits (it reads one fresh topic once), and an empty fetch waits at the
  // broker, which answers as soon as a commit makes records visible, instead of asking every 5 ms.
  const reader = kafka.consumer({ groupId: `${output}-reader`, readUncommitted: false, maxWaitTimeInMs: 500 });
  await reader.connect();
  // It joins once the warm-up's outputs are all committed: it starts after them.
  await reader.subscribe({ topic: output, fromBeginning: false });
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  reader.on(reader.events.GROUP_JOIN, () => joined());
  await reader.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const at = Date.now();
      for (const m of batch.messages) {
        const h = m.headers ?? {};
        arrivals.push({ key: `${String(h[HEADERS.sourceTopic])}:${String(h[HEADERS.sourcePartition])}:${String(h[HEADERS.sourceOffset])}`, at });
      }
    },
  });
  await ready;
  const producer = inputProducer(kafka);
  await producer.connect();
  const start = Date.now();
  const warmupEnd = start + options.warmupSeconds * 1000;
  const end = start + options.seconds * 1000;
  let sent = 0;
  let warm = false;
  while (Date.now() < end && sent < events.length) {
    if (!warm && Date.now() >= warmupEnd) {
      warm = true;
      options.onWarm?.();
    }
    const due = Math.min(events.length, Math.floor(((Date.now() - start) / 1000) * options.rate));
    if (due > sent) {
      const chunk = events.slice(sent, due);
      const groups = new Map<string, { topic: string; partition: number; messages: Message[] }>();
      const now = Date.now();
      for (const e of chunk) {
        const topic = isLead(e) ? names.lead : names.engagement;
        const partition = partitionOf(e.lead_id, options.partitions);
        const k = `${topic}:${partition}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { topic, partition, messages: [] }));
        g.messages.push({ key: e.lead_id, partition, timestamp: String(now), value: isLead(e) ? enc.lead.encode(e) : enc.engagement.encode(e) });
      }
      const meta = await producer.sendBatch({ acks: -1, topicMessages: [...groups.values()].map((g) => ({ topic: g.topic, messages: g.messages })) });
      for (const g of groups.values()) {
        const base = BigInt(meta.find((m) => m.topicName === g.topic && m.partition === g.partition)?.baseOffset ?? '-1');
        g.messages.forEach((_, i) => sentAt.set(`${g.topic}:${g.partition}:${base + BigInt(i)}`, now >= warmupEnd ? now : -now));
      }
      sent = due;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const producedSeconds = (Date.now() - start) / 1000;
  await producer.disconnect();
  const measuredKeys = [...sentAt.entries()].filter(([, t]) => t > 0);
  const drainUntil = Date.now() + options.drainSeconds * 1000;
  while (Date.now() < drainUntil && arrivals.length < sentAt.size) await new Promise((r) => setTimeout(r, 100));
  await reader.disconnect();
  const arrived = new Map(arrivals.map((a) => [a.key, a.at]));
  const latencies = measuredKeys.flatMap(([k, t]) => (arrived.has(k) ? [(arrived.get(k) as number) - t] : [])).sort((a, b) => a - b);
  return {
    rate: options.rate,
    producedRate: sent / producedSeconds,
    measured: measuredKeys.length,
    delivered: latencies.length,
    meanMs: latencies.length > 0 ? latencies.reduce((a, b) => a + b, 0) / latencies.length : Number.NaN,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}
