import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../src/kafka/client';
import { testEndpoints } from './services';

/**
 * Per test file: a Kafka client, uniquely named topics, and cleanup of those topics and of the
 * registry subjects registered for them once the file is done, so files never see each other's
 * data and the broker does not fill up across runs.
 */
export interface TestKafka {
  readonly kafka: Kafka;
  readonly registryUrl: string;
  /** Creates a topic named `test.<file>.<name>.<random>` and returns its name. */
  createTopic(name: string, partitions?: number): Promise<string>;
  /** A consumer group or transactional id that no other test uses. */
  uniqueId(prefix: string): string;
}

export function useTestKafka(): TestKafka {
  const { brokers, registryUrl } = testEndpoints();
  const kafka = createKafka({ brokers, clientId: 'scorestream-test' });
  const admin = kafka.admin();
  const file = path.basename(expect.getState().testPath ?? 'unknown', '.test.ts').replace(/[^a-zA-Z0-9]+/g, '-');
  const created: string[] = [];
  let connected = false;

  afterAll(async () => {
    if (!connected) return;
    if (created.length > 0) await admin.deleteTopics({ topics: created });
    for (const topic of created) {
      // Soft delete, then hard delete: Apicurio, like Confluent's registry, needs both to forget a subject.
      for (const q of ['', '?permanent=true']) {
        await fetch(`${registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}${q}`, { method: 'DELETE' });
      }
    }
    await admin.disconnect();
  });

  return {
    kafka,
    registryUrl,
    uniqueId: (prefix) => `test.${file}.${prefix}.${randomUUID().slice(0, 8)}`,
    async createTopic(name, partitions = 1) {
      if (!connected) {
        await admin.connect();
        connected = true;
      }
      const topic = `test.${file}.${name}.${randomUUID().slice(0, 8)}`;
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
      created.push(topic);
      return topic;
    },
  };
}
