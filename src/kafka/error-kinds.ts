import { KafkaJSError } from 'kafkajs';

/**
 * Broker answers that say this instance's transactional producer is no longer the one allowed to
 * write: another instance initialized the same transactional id (it took the partition while this
 * one was paused past its session), or the broker aborted a transaction that outlived
 * transaction.timeout.ms and bumped the epoch. PRODUCER_FENCED (90) is newer than KafkaJS's
 * error table, hence the codes.
 */
const FENCED_CODES = new Set([
  47, // INVALID_PRODUCER_EPOCH
  48, // INVALID_TXN_STATE
  49, // INVALID_PRODUCER_ID_MAPPING
  52, // TRANSACTION_COORDINATOR_FENCED
  59, // UNKNOWN_PRODUCER_ID
  90, // PRODUCER_FENCED
]);

interface WithCode {
  readonly code?: unknown;
  readonly cause?: unknown;
}

/** True when `err`, or any error it wraps, is a fencing answer. */
export function isFenced(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    const { code, cause } = e as Error & WithCode;
    if (typeof code === 'number' && FENCED_CODES.has(code)) return true;
    e = cause;
  }
  return false;
}

/** UNKNOWN_TOPIC_OR_PARTITION: a topic the processor needs does not exist (it is not being created either). */
export function isUnknownTopic(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    const { code, cause } = e as Error & WithCode;
    if (code === 3 || (e as Error & { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    e = cause;
  }
  return false;
}

/** KafkaJS's own verdict: an error it marks `retriable: false` (or wraps in one) will fail the same way again. */
export function isNonRetriable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if ((e as Error & { retriable?: unknown }).retriable === false) return true;
    e = (e as WithCode).cause;
  }
  return false;
}

/**
 * An error that makes KafkaJS's consumer join the group again (its runner re-joins on a
 * rebalance error, and with a fresh member id if the coordinator no longer knows this one),
 * instead of crashing: the new assignment prepares every partition again. KafkaJS 2.2.4 decides
 * by the error's `type`.
 */
export function rejoinError(message: string): KafkaJSError {
  return Object.assign(new KafkaJSError(message, { retriable: true }), { type: 'REBALANCE_IN_PROGRESS' });
}
