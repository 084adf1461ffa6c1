import fs from 'node:fs';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/schema';
import { kafkaLogCreator } from './logging';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logLevel?: logLevel;
  /** Connection attempts while a broker is starting are expected to fail; probes set this low. */
  readonly retries?: number;
  readonly ssl?: boolean | { ca: string[] };
  readonly sasl?: SASLOptions;
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'scorestream',
    brokers: [...options.brokers],
    logCreator: kafkaLogCreator(options.logLevel ?? logLevel.WARN),
    connectionTimeout: 3000,
    retry: options.retries === undefined ? undefined : { retries: options.retries, initialRetryTime: 100 },
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  });
}

/** A client for the configured cluster: TLS (optionally with a private CA) and SASL/PLAIN or SCRAM. */
export function kafkaFromConfig(config: Config, brokers: readonly string[], clientSuffix: string): Kafka {
  const ssl = config.tls ? (config.tlsCaFile ? { ca: [fs.readFileSync(config.tlsCaFile, 'utf8')] } : true) : undefined;
  const sasl: SASLOptions | undefined =
    config.saslMechanism === 'none' ? undefined : ({ mechanism: config.saslMechanism, username: config.saslUsername, password: config.saslPassword } as SASLOptions);
  return createKafka({
    brokers,
    clientId: `${config.clientId}-${clientSuffix}`,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
  });
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}
