import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, ITopicConfig } from 'kafkajs';
import { ScorestreamError, errorMessage } from '../errors';
import { readSchema, type SchemaName } from '../schemas/files';
import { INPUT_COMPATIBILITY, OUTPUT_COMPATIBILITY, satisfies, setSubjectCompatibility, subjectCompatibility, subjectExists, type RegistryAccess } from './compatibility';
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
  readonly schemas: SubjectResult[];
}

export interface SubjectResult {
  readonly subject: string;
  /** The id of our schema in the subject. */
  readonly id: number;
  /** The subject's compatibility level now. */
  readonly compatibility: string;
  /** The level it had before, when this run changed it on an existing subject ('unset': none of its own). */
  readonly previous?: string;
}

/**
 * Creates what is missing, registers every value schema and gives each subject the compatibility
 * scorestream needs (src/topics/compatibility.ts); safe to run again. With `access` (what the CLI
 * passes) an existing subject's level is read and set where it falls short, after our schema is
 * registered under the level it had: an earlier schema of ours, without enum defaults, could not
 * read the new one, so the stricter check would refuse it. Without `access` the level is set only
 * on a subject's first registration, and an existing subject with another level is an error.
 */
export async function createTopics(
  admin: Admin,
  registry: SchemaRegistry,
  names: TopicNames,
  partitions: number,
  replicationFactor: number,
  access?: RegistryAccess,
): Promise<CreateResult> {
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
  const schemas: SubjectResult[] = [];
  for (const [topic, schema] of names.valueSchemas) {
    const required = names.inputs.includes(topic) ? INPUT_COMPATIBILITY : OUTPUT_COMPATIBILITY;
    schemas.push(await (access ? enforce(registry, access, valueSubject(topic), schema, required) : registerOnly(registry, valueSubject(topic), schema, required)));
  }
  return { created: missing.map((p) => p.topic), existing: present.map((p) => p.topic), mismatched, schemas };
}

async function register(registry: SchemaRegistry, subject: string, schema: SchemaName, level: COMPATIBILITY, updateConfig: boolean): Promise<number> {
  try {
    return (await registry.register({ type: SchemaType.AVRO, schema: readSchema(schema) }, { subject, compatibility: level, updateConfig })).id;
  } catch (err: unknown) {
    if (typeof err === 'object' && err !== null && (err as { status?: unknown }).status === 409) {
      throw new ScorestreamError(
        'CONFIG_INVALID',
        `the schema registry refuses schemas/${schema}.avsc under ${subject} (compatibility ${level}): a version the subject holds is not compatible with it: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function enforce(registry: SchemaRegistry, access: RegistryAccess, subject: string, schema: SchemaName, required: COMPATIBILITY): Promise<SubjectResult> {
  const current = await subjectCompatibility(access, subject);
  // No level of its own (Confluent answers 404 for that too): was the subject there already?
  const previous = current ?? ((await subjectExists(access, subject)) ? 'unset' : undefined);
  // The client checks that the subject's level is the one it is given: give it the current one.
  const id = await register(registry, subject, schema, (current as COMPATIBILITY | undefined) ?? required, false);
  if (current !== undefined && satisfies(current, required)) return { subject, id, compatibility: current };
  await setSubjectCompatibility(access, subject, required);
  return { subject, id, compatibility: required, ...(previous === undefined ? {} : { previous }) };
}

async function registerOnly(registry: SchemaRegistry, subject: string, schema: SchemaName, required: COMPATIBILITY): Promise<SubjectResult> {
  try {
    // The client sets `required` on the subject's first registration and checks it after.
    return { subject, id: await register(registry, subject, schema, required, true), compatibility: required };
  } catch (err: unknown) {
    if (err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError') {
      throw new ScorestreamError('CONFIG_INVALID', `schema registry subject ${subject} lacks the compatibility scorestream needs there, ${required} (${err.message}): run scorestream topics create, which sets it`, { cause: err });
    }
    throw err;
  }
}
