import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createKafka } from '../../../src/kafka/client';
import { readSchema } from '../../../src/schemas/files';
import { createTopics, topicPlan } from '../../../src/topics/create';
import { topicNames, valueSubject, type TopicNames } from '../../../src/topics/names';
import { testEndpoints } from '../../helpers/services';

/**
 * `topics create` sets the compatibility each subject needs: the inputs FORWARD_TRANSITIVE (our
 * reader, registered there, must read every schema a producer registers later), the outputs
 * BACKWARD. On an existing subject it sets it too, and says what it was.
 */
describe('scorestream topics create: subject compatibility', () => {
  const { brokers, registryUrl } = testEndpoints();
  const admin = createKafka({ brokers, clientId: 'test-topics-compat' }).admin();
  const registry = new SchemaRegistry({ host: registryUrl });
  const deployments: TopicNames[] = [];
  const deployment = (): TopicNames => {
    const names = topicNames('app', `test.${randomUUID().slice(0, 8)}.`);
    deployments.push(names);
    return names;
  };
  const http = async (method: string, path: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${registryUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const level = async (topic: string): Promise<unknown> => (await http('GET', `/config/${encodeURIComponent(valueSubject(topic))}`)).body.compatibilityLevel;
  const levels = (names: TopicNames): Promise<unknown[]> => Promise.all([...names.valueSchemas.keys()].map(level));

  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const names of deployments) {
      await admin.deleteTopics({ topics: topicPlan(names, 1).map((p) => p.topic) }).catch(() => undefined);
      for (const topic of names.valueSchemas.keys()) {
        for (const q of ['', '?permanent=true']) await fetch(`${registryUrl}/subjects/${encodeURIComponent(valueSubject(topic))}${q}`, { method: 'DELETE' });
      }
    }
    await admin.disconnect();
  });

  // valueSchemas lists lead, engagement, property, then the three outputs.
  const EXPECTED = ['FORWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'BACKWARD', 'BACKWARD', 'BACKWARD'];

  it('a new deployment: inputs FORWARD_TRANSITIVE, outputs BACKWARD', async () => {
    const names = deployment();
    const result = await createTopics(admin, registry, names, 1, 1, { url: registryUrl });
    expect(await levels(names)).toEqual(EXPECTED);
    expect(result.schemas.map((s) => [s.compatibility, s.previous])).toEqual(EXPECTED.map((c) => [c, undefined]));
  });

  it('a new deployment with only the registry client (as the test pipeline and the demo call it) gets the same levels', async () => {
    const names = deployment();
    await createTopics(admin, registry, names, 1, 1);
    expect(await levels(names)).toEqual(EXPECTED);
  });

  it('an existing deployment: the input subjects are set to FORWARD_TRANSITIVE, and the result says what they were', async () => {
    const names = deployment();
    // As an earlier scorestream left it: LeadEvent without enum defaults, the subject BACKWARD.
    const old = JSON.parse(readSchema('LeadEvent')) as { fields: { name: string; type: unknown }[] };
    const strip = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(strip);
      else if (n !== null && typeof n === 'object') {
        const o = n as { type?: unknown; symbols?: string[]; default?: unknown };
        if (o.type === 'enum' && o.symbols?.includes('UNKNOWN')) {
          o.symbols = o.symbols.filter((s) => s !== 'UNKNOWN');
          delete o.default;
        }
        Object.values(o).forEach(strip);
      }
    };
    strip(old);
    const lead = encodeURIComponent(valueSubject(names.lead));
    expect((await http('POST', `/subjects/${lead}/versions`, { schema: JSON.stringify(old) })).status).toBe(200);
    expect((await http('PUT', `/config/${lead}`, { compatibility: 'BACKWARD' })).status).toBe(200);
    // A subject a producer created first, with no subject-level config.
    const engagement = encodeURIComponent(valueSubject(names.engagement));
    expect((await http('POST', `/subjects/${engagement}/versions`, { schema: readSchema('EngagementEvent') })).status).toBe(200);
    const globalLevel = (await http('GET', '/config')).body.compatibilityLevel;

    const result = await createTopics(admin, registry, names, 1, 1, { url: registryUrl });
    expect(await levels(names)).toEqual(EXPECTED);
    const bySubject = new Map(result.schemas.map((s) => [s.subject, s]));
    expect(bySubject.get(valueSubject(names.lead))).toMatchObject({ compatibility: 'FORWARD_TRANSITIVE', previous: 'BACKWARD' });
    expect(bySubject.get(valueSubject(names.engagement))).toMatchObject({ compatibility: 'FORWARD_TRANSITIVE', previous: globalLevel });
    // Our reader is now the latest LeadEvent version, registered before the level was raised.
    expect(bySubject.get(valueSubject(names.lead))?.id).toBe(await registry.getLatestSchemaId(valueSubject(names.lead)));

    const again = await createTopics(admin, registry, names, 1, 1, { url: registryUrl });
    expect(again.schemas.map((s) => [s.compatibility, s.previous])).toEqual(EXPECTED.map((c) => [c, undefined]));
  });

  it('keeps a stricter level an operator chose, and refuses to guess without registry access', async () => {
    const names = deployment();
    await createTopics(admin, registry, names, 1, 1, { url: registryUrl });
    const property = encodeURIComponent(valueSubject(names.property));
    await http('PUT', `/config/${property}`, { compatibility: 'FULL_TRANSITIVE' });
    const result = await createTopics(admin, registry, names, 1, 1, { url: registryUrl });
    expect(await level(names.property)).toBe('FULL_TRANSITIVE');
    expect(result.schemas.find((s) => s.subject === valueSubject(names.property))).toMatchObject({ compatibility: 'FULL_TRANSITIVE' });

    await http('PUT', `/config/${encodeURIComponent(valueSubject(names.lead))}`, { compatibility: 'BACKWARD' });
    await expect(createTopics(admin, registry, names, 1, 1)).rejects.toThrow(/lead\.events-value.*FORWARD_TRANSITIVE.*BACKWARD.*topics create/);
  });
});
