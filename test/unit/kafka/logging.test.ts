import { logLevel, type LogEntry } from 'kafkajs';
import { classifyKafkaLog, kafkaLogCreator, type KafkaRetryKind } from '../../../src/kafka/logging';

const LEVEL: Record<string, logLevel> = { ERROR: logLevel.ERROR, WARN: logLevel.WARN, INFO: logLevel.INFO, DEBUG: logLevel.DEBUG };

const entry = (namespace: string, label: string, message: unknown, fields: Record<string, unknown> = {}): LogEntry => ({
  namespace,
  label,
  level: LEVEL[label] ?? logLevel.INFO,
  log: { timestamp: '2025-01-01T00:00:00.000Z', logger: 'kafkajs', message: message as string, ...fields },
});

// Messages exactly as KafkaJS 2.2.4 writes them (src/protocol/error.js, network/connection.js, ...).
const CONCURRENT = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
const LOADING = "The coordinator is loading and hence can't process requests for this group";
const FENCED = "Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker";
const REFUSED = 'Connection error: connect ECONNREFUSED 127.0.0.1:9092';

describe('classifyKafkaLog', () => {
  const cases: [string, LogEntry, logLevel, KafkaRetryKind | null][] = [
    ['a retried protocol error response', entry('Connection', 'ERROR', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: CONCURRENT }), logLevel.DEBUG, 'response'],
    ['a coordinator still loading', entry('Connection', 'ERROR', 'Response InitProducerId(key: 22, version: 1)', { error: LOADING }), logLevel.DEBUG, 'response'],
    ['a rebalance answer (KafkaJS rejoins)', entry('Connection', 'ERROR', 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' }), logLevel.DEBUG, 'response'],
    // Not retried: whoever sent the request gets the error and reports it; the response line is detail.
    ['a fenced producer response', entry('Connection', 'ERROR', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: FENCED }), logLevel.DEBUG, null],
    // The processor handles a fenced producer (it rejoins) and logs its own line.
    ['a fenced producer', entry('Producer', 'ERROR', FENCED, { retryCount: 0, retryTime: 20 }), logLevel.WARN, null],
    ['a produce retried after a protocol error', entry('Producer', 'ERROR', `Failed to send messages: ${CONCURRENT}`, { retryCount: 0, retryTime: 21 }), logLevel.DEBUG, 'produce'],
    ['a produce retried after a lost connection', entry('Producer', 'ERROR', `Failed to send messages: ${REFUSED}`, { retryCount: 2, retryTime: 400 }), logLevel.WARN, 'produce'],
    ['a produce retried after a request timeout', entry('Producer', 'ERROR', 'Request Produce(key: 0, version: 7) timed out', { retryCount: 1, retryTime: 300 }), logLevel.WARN, 'produce'],
    ['a produce error KafkaJS gives up on', entry('Producer', 'ERROR', 'The request included a message larger than the max message size the server will accept', { retryCount: 0, retryTime: 300 }), logLevel.ERROR, null],
    ['a refused connection', entry('Connection', 'ERROR', REFUSED, { broker: '127.0.0.1:9092', stack: 'Error: ...' }), logLevel.WARN, 'connection'],
    ['a connection timeout', entry('Connection', 'ERROR', 'Connection timeout', { broker: '127.0.0.1:9092' }), logLevel.WARN, 'connection'],
    ['the next seed broker', entry('BrokerPool', 'ERROR', `Failed to connect to seed broker, trying another broker from the list: ${REFUSED}`, { retryCount: 0, retryTime: 100 }), logLevel.WARN, 'connection'],
    ['a broker reconnect', entry('BrokerPool', 'ERROR', 'Failed to connect to broker, reconnecting', { retryCount: 0, retryTime: 100 }), logLevel.WARN, 'connection'],
    ['a consumer restart', entry('Consumer', 'ERROR', 'Restarting the consumer in 2000ms', { retryCount: 10, retryTime: 2000, groupId: 'g' }), logLevel.WARN, 'consumer_restart'],
    ['a consumer crash KafkaJS restarts from (a coordinator loading)', entry('Consumer', 'ERROR', `Crash: KafkaJSProtocolError: ${LOADING}`, { groupId: 'g', stack: 'KafkaJSProtocolError: ...' }), logLevel.WARN, 'consumer_restart'],
    ['a member the coordinator forgot', entry('Runner', 'ERROR', 'The coordinator is not aware of this member, re-joining the group', { groupId: 'g' }), logLevel.WARN, 'rejoin'],
    ['a rebalance', entry('Runner', 'WARN', 'The group is rebalancing, re-joining', { groupId: 'g' }), logLevel.WARN, 'rejoin'],
    // Real errors, or not known at this point to be retried: unchanged.
    ['a consumer crash', entry('Consumer', 'ERROR', `Crash: KafkaJSNumberOfRetriesExceeded: ${REFUSED}`, { groupId: 'g' }), logLevel.ERROR, null],
    ['an exception from eachBatch', entry('Runner', 'ERROR', 'Error when calling eachBatch', { topic: 't', partition: 0 }), logLevel.ERROR, null],
    ['an offset reset', entry('ConsumerGroup', 'ERROR', 'Offset out of range, resetting to default offset', { topic: 't', partition: 0 }), logLevel.ERROR, null],
    ['a failed SASL authentication', entry('SASLPlainAuthenticator', 'ERROR', 'SASL PLAIN authentication failed: Authentication failed', {}), logLevel.ERROR, null],
    ['a "Response" line from elsewhere', entry('Producer', 'ERROR', 'Response InitProducerId', {}), logLevel.ERROR, null],
    ['an info line', entry('Consumer', 'INFO', 'Starting', { groupId: 'g' }), logLevel.INFO, null],
  ];

  it.each(cases)('%s', (_name, e, level, retried) => {
    expect(classifyKafkaLog(e)).toEqual({ level, retried });
  });
});

describe('kafkaLogCreator', () => {
  const make = (minLevel = logLevel.WARN) => {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const retried: string[] = [];
    const log = kafkaLogCreator(minLevel, { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), onRetried: (kind) => retried.push(kind), intervalMs: 10_000, now: () => now })(logLevel.INFO);
    return { log, lines, retried, advance: (ms: number) => (now += ms) };
  };

  it('writes a retried condition once per kind and interval, with the count of lines left out, and counts every one', () => {
    const k = make();
    for (let i = 0; i < 3; i++) k.log(entry('Connection', 'ERROR', REFUSED, { broker: 'b:1', stack: 'Error: connect ECONNREFUSED\n    at ...' }));
    k.log(entry('BrokerPool', 'ERROR', 'Failed to connect to broker, reconnecting', { retryCount: 1 }));
    k.advance(10_000);
    k.log(entry('Connection', 'ERROR', 'Connection timeout', { broker: 'b:1' }));
    expect(k.retried).toEqual(['connection', 'connection', 'connection', 'connection', 'connection']);
    expect(k.lines).toEqual([
      { level: 'warn', logger: 'kafkajs', ns: 'Connection', msg: REFUSED, timestamp: '2025-01-01T00:00:00.000Z', broker: 'b:1', retried: 'connection' },
      { level: 'warn', logger: 'kafkajs', ns: 'Connection', msg: 'Connection timeout (3 more like it since the previous line were not logged)', timestamp: '2025-01-01T00:00:00.000Z', broker: 'b:1', retried: 'connection', suppressed: 3 },
    ]);
  });

  it('counts the retried responses it does not write at WARN', () => {
    const k = make();
    k.log(entry('Connection', 'ERROR', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: CONCURRENT }));
    k.log(entry('Producer', 'ERROR', `Failed to send messages: ${CONCURRENT}`, { retryCount: 0 }));
    k.log(entry('Connection', 'ERROR', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: FENCED }));
    expect(k.lines).toEqual([]);
    expect(k.retried).toEqual(['response', 'produce']);
  });

  it('writes them at DEBUG when asked for DEBUG', () => {
    const k = make(logLevel.DEBUG);
    k.log(entry('Producer', 'ERROR', `Failed to send messages: ${CONCURRENT}`, { retryCount: 0 }));
    expect(k.lines).toMatchObject([{ level: 'debug', ns: 'Producer', msg: `Failed to send messages: ${CONCURRENT}`, retried: 'produce', retryCount: 0 }]);
  });

  it('never holds back an ERROR line', () => {
    const k = make();
    for (let i = 0; i < 3; i++) k.log(entry('Consumer', 'ERROR', 'Crash: KafkaJSNonRetriableError: boom', { groupId: 'g', stack: 'Error: boom' }));
    expect(k.lines).toHaveLength(3);
    expect(k.lines[0]).toMatchObject({ level: 'error', msg: 'Crash: KafkaJSNonRetriableError: boom', stack: 'Error: boom' });
    expect(k.retried).toEqual([]);
  });

  it('writes errors as their messages, never as JSON inside a string or an empty object', () => {
    const k = make();
    k.log(entry('BrokerPool', 'ERROR', new Error('There is no listener on the broker'), { retryCount: 0 }));
    k.log(entry('Runner', 'ERROR', 'Error when calling eachBatch', { error: new TypeError('x is not a function'), partition: 3 }));
    expect(k.lines).toEqual([
      { level: 'error', logger: 'kafkajs', ns: 'BrokerPool', msg: 'There is no listener on the broker', timestamp: '2025-01-01T00:00:00.000Z', retryCount: 0 },
      { level: 'error', logger: 'kafkajs', ns: 'Runner', msg: 'Error when calling eachBatch', timestamp: '2025-01-01T00:00:00.000Z', error: 'TypeError: x is not a function', partition: 3 },
    ]);
  });
});
