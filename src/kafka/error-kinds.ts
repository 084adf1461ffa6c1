import { KafkaJSError } from 'kafkajs';

/**
 * Broker answers that say this instance's transactional producer is no longer the one allowed to
 * write: another instance initialized the same transactional id (it took the partition while this
 * one was paused past its session), or the broker aborted a transaction that outlived
 * transaction.timeout.ms and bumped the epoch. PRODUCER_FENCED (90) is newer than KafkaJS's
 * error table, hence the codes (and its "Unknown error code" message).
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
    // A code missing from KafkaJS's table arrives as "Unknown error code <n>" (code -99).
    const unknown = /^Unknown error code (\d+)$/.exec(e.message);
    if (unknown && FENCED_CODES.has(Number(unknown[1]))) return true;
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

/**
 * KafkaJS's own verdict, as its consumer decides whether to restart: its retriers wrap whatever
 * they give up on in a non-retriable error, so what counts is the original cause (a closed
 * connection is retriable, a record the broker refuses is not) or running out of retries.
 */
export function isNonRetriable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e.name === 'KafkaJSNumberOfRetriesExceeded') return false;
    const cause = (e as WithCode).cause;
    if (!(cause instanceof Error)) break;
    e = cause;
  }
  return !(e instanceof Error && (e as Error & { retriable?: unknown }).retriable === true);
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
