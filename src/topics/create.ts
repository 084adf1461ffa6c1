import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, ITopicConfig } from 'kafkajs';
import { readSchema } from '../schemas/files';
import { valueSubject, type TopicNames } from './names';

export interface TopicPlan {
  readonly topic: string;
  readonly partitions: number;
  readonly compacted: boolean;
}

/**
 * lead.events and engagement.events are co-partitioned (same count, same key), so one instance
 * sees every event of a lead. Outputs and DLQs follow the lead topics' count, the changelog too
 * (a state partition per input partition). property.events is read whole by every instance, so
 * its count only sets parallelism of its producers; it is compacted, as is the changelog.
 */
export function topicPlan(names: TopicNames, partitions: number): TopicPlan[] {
  const plain = (topic: string): TopicPlan => ({ topic, partitions, compacted: false });
  return [
    plain(names.lead),
    plain(names.engagement),
    { topic: names.property, partitions, compacted: true },
    ...Object.values(names.outputs).map(plain),
    ...names.inputs.map((t) => plain(names.dlq(t))),
    { topic: names.changelog, partitions, compacted: true },
  ];
}

export interface CreateResult {
  readonly created: string[];
  readonly existing: string[];
  /** Existing topics whose partition count differs from the plan: co-partitioning would break. */
  readonly mismatched: { topic: string; partitions: number; expected: number }[];
  readonly schemas: { subject: string; id: number }[];
}

/** Creates what is missing and registers every value schema (BACKWARD); safe to run again. */
export async function createTopics(admin: Admin, registry: SchemaRegistry, names: TopicNames, partitions: number, replicationFactor: number): Promise<CreateResult> {
  const plan = topicPlan(names, partitions);
  const existing = new Set(await admin.listTopics());
  const missing = plan.filter((p) => !existing.has(p.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(
        (p): ITopicConfig => ({
          topic: p.topic,
          numPartitions: p.partitions,
          replicationFactor,
          configEntries: p.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        }),
      ),
    });
  }
  const present = plan.filter((p) => existing.has(p.topic));
  const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present.map((p) => p.topic) }) : { topics: [] };
  const mismatched = metadata.topics.flatMap((t) => {
    const expected = plan.find((p) => p.topic === t.name)?.partitions ?? 0;
    return t.partitions.length === expected ? [] : [{ topic: t.name, partitions: t.partitions.length, expected }];
  });
  const schemas = [];
  for (const [topic, schema] of names.valueSchemas) {
    const subject = valueSubject(topic);
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: readSchema(schema) }, { subject, compatibility: COMPATIBILITY.BACKWARD });
    schemas.push({ subject, id });
  }
  return { created: missing.map((p) => p.topic), existing: present.map((p) => p.topic), mismatched, schemas };
}
