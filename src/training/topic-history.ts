import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CONSUMER_RETRY } from '../consume/consumer-retry';
import { partitioningViolation } from '../consume/partitioning';
import { AvroDecoder } from '../decode/avro-decoder';
import { PropertyTable } from '../features/property-table';
import { inputOf } from '../features/serve-event';
import { sleep } from '../local/wait';
import { readPropertyRecord } from '../process/property-record';
import { readSchema } from '../schemas/files';
import type { EngagementEvent, LeadEvent } from '../schemas/types';
import type { TopicNames } from '../topics/names';
import { count, mergeOrder, type History, type HistoryRecord, type Ordered } from './history';

export interface TopicHistoryOptions {
  readonly kafka: Kafka;
  readonly registry: SchemaRegistry;
  readonly names: TopicNames;
  readonly appId: string;
  /** Called as records arrive: read so far, and the total the topics held at the start. */
  readonly onRead?: (read: number, total: number) => void;
}

type Laned = HistoryRecord & Ordered;

/**
 * Reads property.events, lead.events and engagement.events from their start up to their end as it
 * was when the export began, read_committed, with a throw-away consumer that never commits (its
 * group has no offsets and disappears when it leaves). Every record is decoded through the
 * registry as the processor decodes it; the property table is built as the processor's loader
 * builds it; lead and engagement records are laid out per partition in the merge order.
 */
export async function readTopicHistory(options: TopicHistoryOptions): Promise<History> {
  const { kafka, registry, names } = options;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  let total = 0;
  try {
    for (const topic of [names.property, names.lead, names.engagement]) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      for (const o of offsets) total += Number(BigInt(o.high) - BigInt(o.low));
    }
  } finally {
    await admin.disconnect();
  }
  const partitionsOf = (topic: string): number => ends.get(topic)?.size ?? 0;
  const decoders = {
    [names.property]: new AvroDecoder(registry, readSchema('PropertyEvent'), 'PropertyEvent'),
    [names.lead]: new AvroDecoder(registry, readSchema('LeadEvent'), 'LeadEvent'),
    [names.engagement]: new AvroDecoder(registry, readSchema('EngagementEvent'), 'EngagementEvent'),
  } as Record<string, AvroDecoder>;
  const properties = new PropertyTable();
  const skipped = new Map<string, number>();
  const lanes = new Map<number, Laned[]>();
  let read = 0;

  const consumer = kafka.consumer({ groupId: `${options.appId}-export-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 200, retry: CONSUMER_RETRY });
  const waiting = new Set<string>();
  for (const [topic, byPartition] of ends) for (const [p, end] of byPartition) if (end > 0n) waiting.add(`${topic}:${p}`);
  let crashed: Error | undefined;
  const done = new Promise<void>((resolve) => {
    if (waiting.size === 0) resolve();
    // Fetches of transaction markers alone reach eachBatch's end too (end-offsets.ts says why).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = ends.get(payload.topic)?.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) >= end - 1n) waiting.delete(`${payload.topic}:${payload.partition}`);
      if (waiting.size === 0) resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      crashed = payload.error;
      resolve();
    });
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [names.property, names.lead, names.engagement], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const end = ends.get(batch.topic)?.get(batch.partition) ?? 0n;
        // Records appended after the export began are not part of it.
        const messages = batch.messages.filter((m) => BigInt(m.offset) < end);
        const decoder = decoders[batch.topic] as AvroDecoder;
        // A registry outage pauses the export: wait and try again.
        for (let wait = 200; (await decoder.prepare(messages.map((m) => m.value))) !== undefined; wait = Math.min(wait * 2, 10_000)) {
          await heartbeat();
          await sleep(wait);
        }
        for (const m of messages) {
          read++;
          if (batch.topic === names.property) applyProperty(decoder, m, properties, skipped);
          else laneRecord(decoder, batch.topic === names.lead ? 0 : 1, batch.partition, m, partitionsOf(batch.topic), lanes, skipped);
        }
        options.onRead?.(read, total);
      },
    });
    await done;
    if (crashed) throw crashed;
  } finally {
    await consumer.disconnect();
  }
  const ordered = [...lanes.keys()].sort((a, b) => a - b).map((p) => (lanes.get(p) as Laned[]).sort(mergeOrder));
  return { properties, lanes: ordered, skipped, recordsRead: read, source: { kind: 'topics', topics: [names.lead, names.engagement, names.property] } };
}

function applyProperty(decoder: AvroDecoder, m: KafkaMessage, table: PropertyTable, skipped: Map<string, number>): void {
  const record = readPropertyRecord(decoder, m);
  if (record.kind === 'listing') table.apply(record.event);
  else if (record.kind === 'tombstone') {
    if (record.propertyId !== null) table.remove(record.propertyId, record.at);
  } else count(skipped, `property_${record.kind === 'bad' ? record.reason : 'unreadable'}`);
}

function laneRecord(decoder: AvroDecoder, side: 0 | 1, partition: number, m: KafkaMessage, partitions: number, lanes: Map<number, Laned[]>, skipped: Map<string, number>): void {
  const decoded = decoder.decode<LeadEvent | EngagementEvent>(m.value);
  if (decoded.kind !== 'ok') {
    count(skipped, decoded.kind === 'dlq' ? decoded.reason : 'unknown_schema');
    return;
  }
  // A record on a partition its lead does not hash to would be merged with another lead's partition: serving dead-letters it.
  if (partitioningViolation(m.key, decoded.value.lead_id, partition, partitions) !== undefined) {
    count(skipped, 'wrong_partition');
    return;
  }
  const lane = lanes.get(partition) ?? [];
  lanes.set(partition, lane);
  lane.push({ input: inputOf(side, decoded.value), timestamp: Number(m.timestamp), time: Number(m.timestamp), side, position: BigInt(m.offset) });
}
