import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { AvroEncoder } from '../../src/publish/avro-encoder';
import { readSchema } from '../../src/schemas/files';
import type { EngagementEvent, LeadEvent, PropertyEvent } from '../../src/schemas/types';
import { generateHistory } from '../../src/synth/generate';
import { valueSubject, type TopicNames } from '../../src/topics/names';

export type InputEvent = LeadEvent | EngagementEvent;

/** A seeded history of at least `count` lead and engagement events, in event-time order. */
export function orderedHistory(count: number, seed: number): { events: InputEvent[]; properties: readonly PropertyEvent[] } {
  // The generator gives about 29 events a lead (outcome events included); 20 leaves room.
  const history = generateHistory({ leads: Math.ceil(count / 20), seed });
  const events = [...history.leadEvents, ...history.engagementEvents]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.occurred_at - b.e.occurred_at || a.i - b.i)
    .map((x) => x.e as InputEvent)
    .slice(0, count);
  if (events.length < count) throw new Error(`generated only ${events.length} events, ${count} wanted`);
  return { events, properties: history.propertyEvents };
}

export const isLead = (e: InputEvent): e is LeadEvent => !('engagement_type' in e);

/** Encoders in the Confluent wire format with the ids registered for the topics (no registry call per event). */
export async function inputEncoders(registry: SchemaRegistry, names: TopicNames): Promise<{ lead: AvroEncoder<LeadEvent>; engagement: AvroEncoder<EngagementEvent>; property: AvroEncoder<PropertyEvent> }> {
  const id = (topic: string): Promise<number> => registry.getLatestSchemaId(valueSubject(topic));
  return {
    lead: new AvroEncoder<LeadEvent>(await id(names.lead), readSchema('LeadEvent')),
    engagement: new AvroEncoder<EngagementEvent>(await id(names.engagement), readSchema('EngagementEvent')),
    property: new AvroEncoder<PropertyEvent>(await id(names.property), readSchema('PropertyEvent')),
  };
}

/** The producer the bench writes inputs with: idempotent, keyed by lead id (the default partitioner, as any producer of these topics). */
export function inputProducer(kafka: Kafka) {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
}

/** Lead and engagement topic messages for `events`, record timestamps from `timestamp(i)`. */
export function inputMessages(events: readonly InputEvent[], names: TopicNames, enc: Awaited<ReturnType<typeof inputEncoders>>, timestamp: (i: number) => number): { topic: string; messages: Message[] }[] {
  const lead: Message[] = [];
  const engagement: Message[] = [];
  events.forEach((e, i) => {
    const ts = String(timestamp(i));
    if (isLead(e)) lead.push({ key: e.lead_id, value: enc.lead.encode(e), timestamp: ts });
    else engagement.push({ key: e.lead_id, value: enc.engagement.encode(e), timestamp: ts });
  });
  return [
    { topic: names.lead, messages: lead },
    { topic: names.engagement, messages: engagement },
  ].filter((t) => t.messages.length > 0);
}

/**
 * Writes the property table and `events` to the input topics before anything is measured, in
 * event-time order with record timestamps 1 ms apart (ending a minute ago).
 */
export async function prefill(kafka: Kafka, registry: SchemaRegistry, names: TopicNames, events: readonly InputEvent[], properties: readonly PropertyEvent[]): Promise<number> {
  const enc = await inputEncoders(registry, names);
  const producer = inputProducer(kafka);
  await producer.connect();
  const t0 = Date.now();
  try {
    await producer.send({ topic: names.property, acks: -1, messages: properties.map((p) => ({ key: p.property_id, value: enc.property.encode(p) })) });
    const base = Date.now() - events.length - 60_000;
    const chunk = 10_000;
    for (let i = 0; i < events.length; i += chunk) {
      await producer.sendBatch({ acks: -1, topicMessages: inputMessages(events.slice(i, i + chunk), names, enc, (j) => base + i + j) });
    }
  } finally {
    await producer.disconnect();
  }
  return (Date.now() - t0) / 1000;
}
