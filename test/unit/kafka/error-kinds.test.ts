import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, type KafkaJSProtocolError } from 'kafkajs';
import { isFenced, isNonRetriable, isUnknownTopic, rejoinError } from '../../../src/kafka/error-kinds';

// KafkaJS's own protocol error for a broker error code, as its decoders raise it.
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): KafkaJSProtocolError };
const protocol = (code: number): KafkaJSProtocolError => createErrorFromCode(code);
/** What KafkaJS's retrier throws when it gives up at once on an error (its types omit the options). */
const bailed = (cause: Error): KafkaJSNonRetriableError => new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => KafkaJSNonRetriableError)(cause, { cause });

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
    const closed = new KafkaJSConnectionError('Closed connection');
    expect(isNonRetriable(bailed(closed))).toBe(false);
    expect(isNonRetriable(new (KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: object) => Error)(protocol(10), { retryCount: 5, retryTime: 100 }))).toBe(false);
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
