import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type Kafka } from 'kafkajs';

/** Produces records encoded with a registered schema, in order, acks=all, in chunks. */
export async function produceEncoded<T extends object>(
  kafka: Kafka,
  registry: SchemaRegistry,
  schemaId: number,
  topic: string,
  records: readonly T[],
  key: (r: T) => string,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 2000) {
      const chunk = records.slice(i, i + 2000);
      const messages = await Promise.all(chunk.map(async (r) => ({ key: key(r), value: await registry.encode(schemaId, r) })));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}
