import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { RateLimiter, withLeftOut } from '../ops/rate-limited-log';
import { isRetriedProtocolError } from './protocol-errors';

/**
 * The conditions KafkaJS retries by itself, as counted in `scorestream_kafka_retries_total{kind}`:
 * - `response`: a broker answered a request with an error KafkaJS retries (CONCURRENT_TRANSACTIONS
 *   after a commit, a coordinator still loading, a leader election, a rebalance);
 * - `produce`: a send (or a transaction's AddPartitionsToTxn) sent again after such an error or a
 *   lost connection;
 * - `connection`: a broker that could not be reached, or reached in time, before trying again;
 * - `consumer_restart`: the consumer started again after its fetch loop gave up;
 * - `rejoin`: the consumer joining its group again (a rebalance, or a member the coordinator forgot).
 */
export type KafkaRetryKind = 'response' | 'produce' | 'connection' | 'consumer_restart' | 'rejoin';

export interface KafkaLogClass {
  /** The level the line is logged at: below ERROR for what KafkaJS retries. */
  readonly level: logLevel;
  readonly retried: KafkaRetryKind | null;
}

/** KafkaJS's connection failures (KafkaJSConnectionError, KafkaJSRequestTimeoutError), which it retries. */
const CONNECTION_TROUBLE = /^(Connection error|Connection timeout|Connection closed|Closed connection|Not connected)\b|^Request .* timed out/;

/** KafkaJS's text for INVALID_PRODUCER_EPOCH and PRODUCER_FENCED. */
const FENCED = /operation with an old epoch|producer.* fenced/i;

function text(value: unknown): string {
  return value instanceof Error ? value.message : typeof value === 'string' ? value : String(value);
}

/**
 * KafkaJS logs at ERROR many conditions it then retries and recovers from: protocol error responses,
 * refused connections, consumer restarts. An ERROR line must mean a person should look, so those
 * go out at DEBUG (answers routinely retried) or WARN (connection trouble, which matters if it
 * lasts). What is not known at this point to be retried (a consumer crash, say) keeps its level.
 */
export function classifyKafkaLog(entry: LogEntry): KafkaLogClass {
  const message = text(entry.log.message);
  const keep: KafkaLogClass = { level: entry.level, retried: null };
  switch (entry.namespace) {
    case 'Connection':
      if (entry.label === 'ERROR' && message.startsWith('Response ')) {
        // The requester gets the error: retried, or reported by whoever sent the request.
        return { level: logLevel.DEBUG, retried: isRetriedProtocolError(text(entry.log.error)) ? 'response' : null };
      }
      if (entry.label === 'ERROR' && CONNECTION_TROUBLE.test(message)) return { level: logLevel.WARN, retried: 'connection' };
      return keep;
    case 'BrokerPool':
      if (entry.label !== 'ERROR') return keep;
      if (message.startsWith('Failed to connect to seed broker') || message === 'Failed to connect to broker, reconnecting' || CONNECTION_TROUBLE.test(message)) {
        return { level: logLevel.WARN, retried: 'connection' };
      }
      return keep;
    case 'Producer': {
      // A fenced producer is expected (another instance took the partition, or the broker
      // aborted a transaction that outlived its timeout): the processor handles it and says so.
      if (entry.label === 'ERROR' && FENCED.test(message)) return { level: logLevel.WARN, retried: null };
      // Lines of the send retrier carry retryCount; "Failed to send messages" is always sent again.
      if (entry.label !== 'ERROR' || entry.log.retryCount === undefined) return keep;
      const cause = message.startsWith('Failed to send messages: ') ? message.slice('Failed to send messages: '.length) : message;
      if (isRetriedProtocolError(cause)) return { level: logLevel.DEBUG, retried: 'produce' };
      if (cause !== message || CONNECTION_TROUBLE.test(cause)) return { level: logLevel.WARN, retried: 'produce' };
      return keep;
    }
    case 'Consumer': {
      if (entry.label !== 'ERROR') return keep;
      if (message.startsWith('Restarting the consumer in ')) return { level: logLevel.WARN, retried: 'consumer_restart' };
      // A crash on a protocol error KafkaJS retries (a coordinator still loading after a broker
      // start) is followed by a restart, not the end of the consumer; retries exhausted is not.
      const crash = /^Crash: KafkaJSProtocolError: (.*)$/.exec(message);
      return crash && isRetriedProtocolError(crash[1] as string) ? { level: logLevel.WARN, retried: 'consumer_restart' } : keep;
    }
    case 'Runner':
      if (message === 'The coordinator is not aware of this member, re-joining the group' || message === 'The group is rebalancing, re-joining') {
        return { level: logLevel.WARN, retried: 'rejoin' };
      }
      return keep;
    default:
      return keep;
  }
}

export interface KafkaLogOptions {
  /** Called for every line of a condition KafkaJS retries, written or not (the metric). */
  readonly onRetried?: (kind: KafkaRetryKind) => void;
  /** Where a line goes; stderr by default. */
  readonly write?: (line: string) => void;
  /** At most one line of a retried kind per this span; 10 s by default. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const LABEL: Partial<Record<logLevel, string>> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };

/** Error values as their messages: JSON.stringify makes `{}` of an Error. */
function plain(value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

/**
 * One JSON line per KafkaJS entry, its fields as fields (message in `msg`, namespace in `ns`).
 * Lines of retried conditions are demoted (see classifyKafkaLog), marked `retried: <kind>`,
 * written at most once per kind and interval with the number left out, and without a stack.
 */
export function kafkaLogCreator(minLevel: logLevel = logLevel.WARN, options: KafkaLogOptions = {}): logCreator {
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  return () => {
    const limiter = new RateLimiter({ intervalMs: options.intervalMs ?? 10_000, ...(options.now ? { now: options.now } : {}) });
    return (entry: LogEntry) => {
      const { level, retried } = classifyKafkaLog(entry);
      if (retried) options.onRetried?.(retried);
      if (level > minLevel || level === logLevel.NOTHING) return;
      const skipped = retried ? limiter.admit(retried) : 0;
      if (skipped === undefined) return;
      const { message, stack, ...rest } = entry.log as LogEntry['log'] & { stack?: unknown };
      const fields: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(rest)) fields[key] = plain(value);
      write(
        JSON.stringify({
          ...fields,
          level: LABEL[level] ?? entry.label.toLowerCase(),
          logger: 'kafkajs',
          ns: entry.namespace,
          msg: withLeftOut(text(message), skipped),
          ...(retried ? { retried } : stack === undefined ? {} : { stack: plain(stack) }),
          ...(skipped > 0 ? { suppressed: skipped } : {}),
        }),
      );
    };
  };
}
