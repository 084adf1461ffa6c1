import { logLevel } from 'kafkajs';
import { createKafka, parseBrokers } from '../../src/kafka/client';

export interface TestEndpoints {
  readonly brokers: string[];
  readonly registryUrl: string;
}

/** Set by global setup (or by the user) before any test file runs. */
export function testEndpoints(): TestEndpoints {
  const brokers = process.env.KAFKA_BROKERS;
  const registryUrl = process.env.SCHEMA_REGISTRY_URL;
  if (!brokers || !registryUrl) throw new Error('KAFKA_BROKERS and SCHEMA_REGISTRY_URL are not set: is test/setup/global-setup.ts configured?');
  return { brokers: parseBrokers(brokers), registryUrl };
}

/** Waits until the broker answers metadata requests and the registry answers /subjects. */
export async function waitForEndpoints(brokers: string[], registryUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = createKafka({ brokers, clientId: 'scorestream-test-wait', retries: 0, logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      const res = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not ready yet
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`Kafka at ${brokers.join(',')} or the registry at ${registryUrl} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
