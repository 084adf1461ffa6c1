import { KafkaJSConnectionClosedError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isFenced, isNonRetriable, isUnknownTopic, rejoinError } from '../../../src/kafka/error-kinds';

// KafkaJS's own protocol error for a broker error code, as its decoders raise it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): { type: string; code: number; retriable: boolean; message: string } };
const protocol = (code: number): KafkaJSProtocolError => new KafkaJSProtocolError(createErrorFromCode(code));
/** What KafkaJS's retrier throws when it gives up at once on an error. */
const bailed = (cause: Error): KafkaJSNonRetriableError => new KafkaJSNonRetriableError(cause, { cause });

describe('Kafka error kinds', () => {
  it('knows a fenced producer, wrapped or not, by its code (PRODUCER_FENCED is newer than KafkaJS)', () => {
    expect(isFenced(protocol(47))).toBe(true);
    expect(isFenced(bailed(protocol(47)))).toBe(true);
    expect(isFenced(protocol(90))).toBe(true);
    expect(isFenced(protocol(51))).toBe(false); // CONCURRENT_TRANSACTIONS
    expect(isFenced(new Error('old epoch'))).toBe(false);
  });

  it('decides retriable as KafkaJS does: by the original cause, or by retries running out', () => {
    expect(isNonRetriable(bailed(protocol(10)))).toBe(true); // MESSAGE_TOO_LARGE
    const closed = new KafkaJSConnectionClosedError('Closed connection', { host: 'b', port: 9092 });
    expect(isNonRetriable(bailed(closed))).toBe(false);
    expect(isNonRetriable(new KafkaJSNumberOfRetriesExceeded(protocol(10), { retryCount: 5, retryTime: 100 }))).toBe(false);
    expect(isNonRetriable(new Error('plain'))).toBe(true);
  });

  it('knows a missing topic', () => {
    expect(isUnknownTopic(bailed(protocol(3)))).toBe(true);
    expect(isUnknownTopic(protocol(47))).toBe(false);
  });

  it('makes an error KafkaJS answers by joining the group again', () => {
    const e = rejoinError('partition 0: producer fenced');
    expect([e.name, e.retriable, (e as unknown as { type: string }).type]).toEqual(['KafkaJSError', true, 'REBALANCE_IN_PROGRESS']);
  });
});
