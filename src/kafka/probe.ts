import { logLevel } from 'kafkajs';
import type { Config } from '../config/schema';
import { ScorestreamError } from '../errors';
import { createKafka, securityOptions } from './client';
import { kafkaFailure } from './failure';

/** How long the start-up check waits for the brokers before it says they do not answer. */
export const PROBE_TIMEOUT_MS = 10_000;

/**
 * Connects to `brokers` as configured (TLS, SASL) and lists the topics, with a client that logs
 * nothing and retries little: at start-up a broker that cannot be reached, or that refuses our
 * credentials, is one line and an exit, never pages of retry logs and a start that does not end.
 * Returns the topic names.
 */
export async function probeKafka(config: Config, brokers: readonly string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<ReadonlySet<string>> {
  const admin = createKafka({
    brokers,
    clientId: `${config.clientId}-probe`,
    logLevel: logLevel.NOTHING,
    retries: 2,
    requestTimeout: timeoutMs,
    ...securityOptions(config),
  }).admin();
  const settings = { brokers, tls: config.tls, saslMechanism: config.saslMechanism };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const hint = config.tls ? '' : ', or set kafka.tls.enabled=true if that listener expects TLS';
      reject(new ScorestreamError('KAFKA_UNAVAILABLE', `kafka.brokers ${brokers.join(',')} did not answer within ${timeoutMs / 1000} s: check kafka.brokers (KAFKA_BROKERS)${hint}`));
    }, timeoutMs);
  });
  try {
    const topics = await Promise.race([
      (async () => {
        await admin.connect();
        return admin.listTopics();
      })(),
      deadline,
    ]);
    await admin.disconnect().catch(() => undefined);
    return new Set(topics);
  } catch (err: unknown) {
    // Not awaited: a connection that never answered may not close either; the process exits anyway.
    void admin.disconnect().catch(() => undefined);
    throw err instanceof ScorestreamError ? err : kafkaFailure(err, settings);
  } finally {
    clearTimeout(timer);
  }
}
