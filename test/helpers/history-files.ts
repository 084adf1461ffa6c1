import fs from 'node:fs';
import path from 'node:path';
import { ConfigResourceTypes, Partitioners, type Kafka } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { History } from '../../src/synth/generate';
import type { TopicNames } from '../../src/topics/names';
import { valueSubject } from '../../src/topics/names';

/** Writes `history` in the `scorestream generate` format (one JSON event per line per topic, and outcomes.jsonl). */
export function writeHistoryFiles(history: History, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, records: readonly unknown[]): void => fs.writeFileSync(path.join(dir, name), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  write('property.events.jsonl', history.propertyEvents);
  write('lead.events.jsonl', history.leadEvents);
  write('engagement.events.jsonl', history.engagementEvents);
  write('outcomes.jsonl', history.scoringPoints);
}

/**
 * How far to move event times so that the newest is now: a record's timestamp is its event time
 * plus this, and the order of the timestamps, which is what the merge reads, stays that of the
 * event times. The older records still lie months back: see `keepHistory`.
 */
export function stampShift(history: History): number {
  let last = 0;
  for (const e of [...history.leadEvents, ...history.engagementEvents]) last = Math.max(last, e.occurred_at);
  return Math.max(0, Date.now() - last);
}

/**
 * Sets the input topics to keep their records whatever their age, as a team's topics that hold
 * the history it trains on and replays do. Under the broker's default (retention.ms of 7 days),
 * records stamped months back go at its next retention check (every 5 minutes), a segment at a
 * time, under a reader that is still in them. The input topics have no other setting that this
 * (non-incremental) change would reset.
 */
export async function keepHistory(kafka: Kafka, names: TopicNames): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: names.inputs.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'retention.ms', value: '-1' }] })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * A record timestamp for an event: its time moved by `shift`, and never in the future (listings
 * of the synthetic world are dated after its leads, and Kafka 4 refuses a timestamp more than an
 * hour ahead, log.message.timestamp.after.max.ms).
 */
export function stamp(occurredAt: number, shift: number): number {
  return Math.min(occurredAt + shift, Date.now());
}

/**
 * Produces a history the way a service of the user's would: the Java client's default (murmur2)
 * partitioner, keys the lead (or listing) id, Confluent-framed Avro under the topics' registered
 * schemas, and each record stamped with its event's time (CreateTime set by the producer; moved
 * by `stampShift`), in the order of the files, into topics that keep it (`keepHistory`).
 */
export async function produceHistory(kafka: Kafka, registry: SchemaRegistry, names: TopicNames, history: History): Promise<void> {
  await keepHistory(kafka, names);
  const shift = stampShift(history);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const send = async <T extends { occurred_at: number }>(topic: string, events: readonly T[], key: (e: T) => string): Promise<void> => {
      const id = await registry.getLatestSchemaId(valueSubject(topic));
      for (let i = 0; i < events.length; i += 2000) {
        const chunk = events.slice(i, i + 2000);
        const messages = await Promise.all(chunk.map(async (e) => ({ key: key(e), value: await registry.encode(id, e), timestamp: String(stamp(e.occurred_at, shift)) })));
        await producer.send({ topic, messages, acks: -1 });
      }
    };
    await send(names.property, history.propertyEvents, (e) => e.property_id);
    await send(names.lead, history.leadEvents, (e) => e.lead_id);
    await send(names.engagement, history.engagementEvents, (e) => e.lead_id);
  } finally {
    await producer.disconnect();
  }
}
