interface ProtocolErrorCode {
  readonly type: string;
  readonly retriable: boolean;
  readonly message: string;
}

/**
 * KafkaJS's own table of Kafka protocol errors (type, message, whether it retries them). Its log
 * lines carry only the message, so this is how a logged error is known to be one KafkaJS retries.
 * The table is not part of KafkaJS's typed API; kafkajs is pinned (package.json), so its path holds.
 */
const table = (require('kafkajs/src/protocol/error') as { errorCodes?: readonly ProtocolErrorCode[] }).errorCodes ?? [];

/**
 * Not marked retriable, but KafkaJS answers them by joining the group again (consumer runner and
 * consumer group), so they too are routine during a rebalance.
 */
const REJOINED = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'MEMBER_ID_REQUIRED']);

const RETRIED_MESSAGES: ReadonlySet<string> = new Set(table.filter((e) => e.retriable || REJOINED.has(e.type)).map((e) => e.message));

/** Whether `message` is that of a protocol error KafkaJS retries (CONCURRENT_TRANSACTIONS, a coordinator loading, ...). */
export function isRetriedProtocolError(message: string): boolean {
  return RETRIED_MESSAGES.has(message);
}
