import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ConfigResourceTypes } from 'kafkajs';
import { createKafka } from '../../../src/kafka/client';
import { createTopics, topicPlan } from '../../../src/topics/create';
import { topicNames, valueSubject } from '../../../src/topics/names';
import { testEndpoints } from '../../helpers/services';

describe('scorestream topics create', () => {
  const { brokers, registryUrl } = testEndpoints();
  const admin = createKafka({ brokers, clientId: 'test-topics' }).admin();
  const registry = new SchemaRegistry({ host: registryUrl });
  const names = topicNames('app', `test.${randomUUID().slice(0, 8)}.`);
  const plan = topicPlan(names, 3);

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: plan.map((p) => p.topic) }).catch(() => undefined);
    for (const topic of names.valueSchemas.keys()) {
      for (const q of ['', '?permanent=true']) await fetch(`${registryUrl}/subjects/${encodeURIComponent(valueSubject(topic))}${q}`, { method: 'DELETE' });
    }
    await admin.disconnect();
  });

  it('creates every topic with the planned partitions and compaction, and registers the schemas', async () => {
    const result = await createTopics(admin, registry, names, 3, 1);
    expect(result.created.sort()).toEqual(plan.map((p) => p.topic).sort());
    expect(result.mismatched).toEqual([]);
    expect(result.schemas.map((s) => s.subject).sort()).toEqual([...names.valueSchemas.keys()].map(valueSubject).sort());

    const meta = await admin.fetchTopicMetadata({ topics: [names.lead, names.engagement] });
    expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]); // co-partitioned
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [names.property, names.changelog, names.lead].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
    });
    expect(configs.resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue])).toEqual([
      [names.property, 'compact'],
      [names.changelog, 'compact'],
      [names.lead, 'delete'],
    ]);
  });

  it('is idempotent: a second run creates nothing and gets the same schema ids', async () => {
    const first = (await registry.getLatestSchemaId(valueSubject(names.lead)));
    const again = await createTopics(admin, registry, names, 3, 1);
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(plan.length);
    expect(again.schemas.find((s) => s.subject === valueSubject(names.lead))?.id).toBe(first);
  });

  it('reports an existing input topic whose partition count breaks co-partitioning', async () => {
    const result = await createTopics(admin, registry, names, 4, 1);
    expect(result.mismatched.map((m) => m.topic)).toContain(names.engagement);
  });
});
