import { loadConfig } from '../config/load';
import { kafkaFromConfig } from '../kafka/client';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import { release } from '../local/connect';
import { createTopics } from '../topics/create';
import { topicNames } from '../topics/names';
import { noArgs } from './args';
import { resolveEndpoints } from './endpoints';
import { checkDependencies } from './preflight';

export const TOPICS_USAGE = `usage: scorestream topics create
  creates the input, output, DLQ and changelog topics that are missing (lead.events and
  engagement.events co-partitioned; property.events and the changelog compacted), registers
  every value schema, and sets each subject's compatibility, also on existing subjects: inputs
  FORWARD_TRANSITIVE (a producer's new schema must be readable by ours; FULL_TRANSITIVE is kept),
  outputs BACKWARD; safe to run again`;

export async function topicsCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  if (args[0] !== 'create') {
    if (args[0] !== undefined) {
      process.stderr.write(`scorestream: topics: unknown subcommand '${args[0]}' (scorestream topics --help)\n`);
      return 2;
    }
    print(TOPICS_USAGE);
    return 0;
  }
  noArgs('topics create', args.slice(1));
  const config = loadConfig();
  const endpoints = await resolveEndpoints(config, print);
  const admin = kafkaFromConfig(config, endpoints.brokers, 'admin').admin();
  try {
    await checkDependencies(config, endpoints);
    await admin.connect();
    const access = registryAccess(config, endpoints.registryUrl);
    const registry = schemaRegistryClient(access);
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
    await admin.disconnect().catch(() => undefined);
    await release(endpoints);
  }
}
