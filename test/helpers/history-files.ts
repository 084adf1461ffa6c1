import fs from 'node:fs';
import path from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
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
 * Produces a history the way a service of the user's would: the Java client's default (murmur2)
 * partitioner, keys the lead (or listing) id, Confluent-framed Avro under the topics' registered
 * schemas, and each record stamped with its event's time (CreateTime set by the producer), in the
 * order of the files.
 */
export async function produceHistory(kafka: Kafka, registry: SchemaRegistry, names: TopicNames, history: History): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const send = async <T extends { occurred_at: number }>(topic: string, events: readonly T[], key: (e: T) => string): Promise<void> => {
      const id = await registry.getLatestSchemaId(valueSubject(topic));
      for (let i = 0; i < events.length; i += 2000) {
        const chunk = events.slice(i, i + 2000);
        const messages = await Promise.all(chunk.map(async (e) => ({ key: key(e), value: await registry.encode(id, e), timestamp: String(e.occurred_at) })));
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
