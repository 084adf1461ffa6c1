import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../config/load';
import { kafkaFromConfig } from '../kafka/client';
import { release } from '../local/connect';
import { createTopics } from '../topics/create';
import { topicNames } from '../topics/names';
import { resolveEndpoints } from './endpoints';

export const TOPICS_USAGE = `usage: scorestream topics create
  creates the input, output, DLQ and changelog topics that are missing (lead.events and
  engagement.events co-partitioned; property.events and the changelog compacted), registers
  every value schema, and sets each subject's compatibility, also on existing subjects: inputs
  FORWARD_TRANSITIVE (a producer's new schema must be readable by ours; FULL_TRANSITIVE is kept),
  outputs BACKWARD; safe to run again`;

export async function topicsCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  if (args[0] !== 'create') {
    print(TOPICS_USAGE);
    return args[0] === undefined || args[0] === '--help' ? 0 : 2;
  }
  const config = loadConfig();
  const endpoints = await resolveEndpoints(config, print);
  const admin = kafkaFromConfig(config, endpoints.brokers, 'admin').admin();
  try {
    await admin.connect();
    const registry = new SchemaRegistry({
      host: endpoints.registryUrl,
      ...(config.registryUsername ? { auth: { username: config.registryUsername, password: config.registryPassword } } : {}),
    });
    const access = { url: endpoints.registryUrl, ...(config.registryUsername ? { username: config.registryUsername, password: config.registryPassword } : {}) };
    const result = await createTopics(admin, registry, topicNames(config.appId, config.topicPrefix), config.partitions, config.replicationFactor, access);
    for (const t of result.created) print(`created  ${t}`);
    for (const t of result.existing) print(`exists   ${t}`);
    for (const s of result.schemas) {
      const level = s.previous === undefined ? s.compatibility : `${s.compatibility} (set now; was ${s.previous})`;
      print(`schema   ${s.subject} -> id ${s.id}, compatibility ${level}`);
    }
    for (const m of result.mismatched) print(`WARNING  ${m.topic} has ${m.partitions} partitions, expected ${m.expected}: co-partitioning needs equal counts`);
    return result.mismatched.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
    await release(endpoints);
  }
}
