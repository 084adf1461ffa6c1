import { MODEL_NAMES, type ModelName } from '../features/spec';
import type { TopicNames } from '../topics/names';

/** What `scorestream tail` reads, and so how each record is shown. */
export interface TailTarget {
  readonly topic: string;
  /** output: a scored topic (its model known); dlq: rejected input records; other: any Avro topic. */
  readonly kind: 'output' | 'dlq' | 'other';
  readonly model?: ModelName;
}

/**
 * A model name reads its output topic; a topic name is taken with topics.prefix added (as every
 * name scorestream uses is) when that names one of scorestream's topics, and as given otherwise.
 */
export function resolveTarget(arg: string, names: TopicNames, prefix: string): TailTarget {
  const model = (MODEL_NAMES as readonly string[]).includes(arg) ? (arg as ModelName) : undefined;
  if (model) return { topic: names.outputs[model], kind: 'output', model };
  const known = knownTopics(names);
  const topic = known.includes(`${prefix}${arg}`) ? `${prefix}${arg}` : arg;
  const output = MODEL_NAMES.find((m) => names.outputs[m] === topic);
  if (output) return { topic, kind: 'output', model: output };
  return { topic, kind: topic.endsWith('.dlq') ? 'dlq' : 'other' };
}

/** Every topic scorestream writes or reads, with its DLQs: what `tail` suggests when a name is unknown. */
export function knownTopics(names: TopicNames): string[] {
  return [...Object.values(names.outputs), ...names.inputs, ...names.inputs.map((t) => names.dlq(t))];
}
