import type { ModelName } from '../features/spec';
import type { SchemaName } from '../schemas/files';

/**
 * Every topic name scorestream reads or writes is built here, and only here. `prefix` (config
 * topics.prefix, empty by default) lets several deployments, or test runs, share one cluster.
 */
export interface TopicNames {
  readonly lead: string;
  readonly engagement: string;
  readonly property: string;
  readonly inputs: readonly string[];
  readonly outputs: Readonly<Record<ModelName, string>>;
  readonly changelog: string;
  dlq(input: string): string;
  /** The Avro schema of each topic's values. */
  readonly valueSchemas: ReadonlyMap<string, SchemaName>;
}

export function topicNames(appId: string, prefix = ''): TopicNames {
  const lead = `${prefix}lead.events`;
  const engagement = `${prefix}engagement.events`;
  const property = `${prefix}property.events`;
  const outputs = {
    lead_scorer: `${prefix}lead.scores`,
    property_matcher: `${prefix}property.matches`,
    churn_predictor: `${prefix}lead.churn`,
  };
  return {
    lead,
    engagement,
    property,
    inputs: [lead, engagement, property],
    outputs,
    changelog: `${prefix}scorestream-${appId}-lead-state-changelog`,
    dlq: (input) => `${input}.dlq`,
    valueSchemas: new Map<string, SchemaName>([
      [lead, 'LeadEvent'],
      [engagement, 'EngagementEvent'],
      [property, 'PropertyEvent'],
      [outputs.lead_scorer, 'LeadScore'],
      [outputs.property_matcher, 'PropertyMatches'],
      [outputs.churn_predictor, 'ChurnRisk'],
    ]),
  };
}

/** Subject of a topic's record values (Confluent's TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
