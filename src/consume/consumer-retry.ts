import type { RetryOptions } from 'kafkajs';

/**
 * The consumer's retry policy, on top of the client's (CLIENT_RETRY in src/kafka/client.ts, which
 * supplies the fields not set here). KafkaJS retries a failing fetch loop and group join with
 * exponential back-off up to `maxRetryTime`; when a retry gives up it restarts the consumer after
 * that retry's last wait. With its defaults (waits up to 30 s) a consumer resumed up to a minute
 * after the broker was back. A 2 s ceiling here and in the client's retry bounds that wait.
 *
 * During an outage longer than the retries (about 13 s), the innermost retry is the client's
 * (connecting, refreshing metadata), so the consumer restarts every 15 s or so until the broker
 * answers; each restart is a new group member (see restarted-member.ts for the old one).
 */
export const CONSUMER_RETRY: RetryOptions = {
  initialRetryTime: 100,
  maxRetryTime: 2_000,
  retries: 10,
};
