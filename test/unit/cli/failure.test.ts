import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describeFailure } from '../../../src/cli/failure';
import { ScorestreamError } from '../../../src/errors';
import { kafkaFailure } from '../../../src/kafka/failure';

const settings = { brokers: ['k1:9092', 'k2:9092'], tls: false, saslMechanism: 'none' };
const retried = (cause: Error): Error => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 2, retryTime: 300 });
/** A broker's error answer as KafkaJS builds it (its typings take only an Error). */
const protocolError = (type: string, code: number, message: string): KafkaJSProtocolError => new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable: false }));

describe('how a failure reads', () => {
  it('an expected error is its one line, with its code exit status', () => {
    expect(describeFailure(new ScorestreamError('CONFIG_INVALID', 'config x=1 (from X) must be y'))).toEqual({ text: 'scorestream: config x=1 (from X) must be y', exitCode: 2 });
    expect(describeFailure(new ScorestreamError('KAFKA_UNAVAILABLE', 'down'))).toEqual({ text: 'scorestream: down', exitCode: 1 });
  });

  it('a KafkaJS error no check turned into one is still one line, exit 1, with its root cause', () => {
    const err = new KafkaJSNonRetriableError(protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, 'This server does not host this topic-partition'));
    const failure = describeFailure(err);
    expect(failure.exitCode).toBe(1);
    expect(failure.text).toMatch(/^scorestream: Kafka: .*does not host this topic-partition/);
    expect(failure.text).not.toContain('\n');
  });

  it('anything else is a bug: its stack, exit 70', () => {
    const failure = describeFailure(new TypeError('x is undefined'));
    expect(failure.exitCode).toBe(70);
    expect(failure.text).toMatch(/^scorestream: unexpected error: TypeError: x is undefined\n\s+at /);
  });
});

describe('a failure to reach the brokers', () => {
  it('unreachable: KAFKA_UNAVAILABLE (exit 1) with the socket error', () => {
    const e = kafkaFailure(retried(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 10.0.0.1:9092', { code: 'ECONNREFUSED' })), settings);
    expect(e.code).toBe('KAFKA_UNAVAILABLE');
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('kafka.brokers k1:9092,k2:9092 cannot be reached (connect ECONNREFUSED 10.0.0.1:9092): check kafka.brokers (KAFKA_BROKERS) and that the brokers are running');
  });

  it('SASL refused, or a listener without SASL: KAFKA_AUTH_FAILED (exit 2) naming the SASL settings', () => {
    const e = kafkaFailure(protocolError('ILLEGAL_SASL_STATE', 34, 'Request is not valid given the current SASL state'), { ...settings, saslMechanism: 'scram-sha-512' });
    expect(e.code).toBe('KAFKA_AUTH_FAILED');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^kafka\.sasl\.mechanism=scram-sha-512: the brokers at k1:9092,k2:9092 refused SASL authentication \(Request is not valid given the current SASL state\): check kafka\.sasl\./);
  });

  it('a TLS handshake that fails: KAFKA_AUTH_FAILED naming kafka.tls', () => {
    const e = kafkaFailure(retried(new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' })), { ...settings, tls: true });
    expect(e.code).toBe('KAFKA_AUTH_FAILED');
    expect(e.message).toMatch(/^kafka\.tls\.enabled=true: the TLS handshake with .+ failed \(self-signed certificate in certificate chain\): check .*kafka\.tls\.caFile/);
  });
});
