import { Kafka, logLevel } from 'kafkajs';
import { kafkaLogCreator } from './logging';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logLevel?: logLevel;
  /** Connection attempts while a broker is starting are expected to fail; probes set this low. */
  readonly retries?: number;
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'scorestream',
    brokers: [...options.brokers],
    logCreator: kafkaLogCreator(options.logLevel ?? logLevel.WARN),
    connectionTimeout: 3000,
    retry: options.retries === undefined ? undefined : { retries: options.retries, initialRetryTime: 100 },
  });
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}
