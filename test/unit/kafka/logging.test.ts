import { logLevel, type LogEntry } from 'kafkajs';
import { isRetriedResponseLog } from '../../../src/kafka/logging';

const entry = (namespace: string, label: string, message: string): LogEntry => ({
  namespace,
  label,
  level: label === 'ERROR' ? logLevel.ERROR : logLevel.WARN,
  log: { timestamp: '', message },
});

describe('isRetriedResponseLog', () => {
  it('demotes the protocol error responses KafkaJS retries by itself', () => {
    expect(isRetriedResponseLog(entry('Connection', 'ERROR', 'Response InitProducerId(key: 22, version: 1)'))).toBe(true);
  });

  it('keeps real errors', () => {
    expect(isRetriedResponseLog(entry('Connection', 'ERROR', 'Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(isRetriedResponseLog(entry('Producer', 'ERROR', 'Response InitProducerId'))).toBe(false);
  });
});
