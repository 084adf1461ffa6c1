import fs from 'node:fs';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/schema';
import { ScorestreamError, errorMessage } from '../errors';
import { kafkaLogCreator, type KafkaRetryKind } from './logging';
import { registerCodecs } from './codecs';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logLevel?: logLevel;
  /** Connection attempts while a broker is starting are expected to fail; probes set this low. */
  readonly retries?: number;
  /** Per request; KafkaJS's default is 30 s. */
  readonly requestTimeout?: number;
  readonly ssl?: boolean | { ca: string[] };
  readonly sasl?: SASLOptions;
  /** Each log line of a condition KafkaJS retries (src/kafka/logging.ts): the retries metric. */
  readonly onRetried?: (kind: KafkaRetryKind) => void;
}

/**
 * KafkaJS's client-wide retry: it runs under every connection attempt, metadata refresh and
 * coordinator lookup, and is the base of each producer's, consumer's and admin's own. Its
 * defaults wait up to 30 s between attempts, and a crashed consumer restarts only after the last
 * wait of the retry that gave up: after a broker outage a consumer resumed up to a minute after
 * the broker was back. Each wait is capped at 2 s; ten retries keep the patience before giving up
 * (about 13 s) close to the defaults'. Every field is set: KafkaJS's defaults differ under NODE_ENV=test.
 */
export const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 2_000, factor: 0.2, multiplier: 2, retries: 10 } as const;

export function createKafka(options: KafkaClientOptions): Kafka {
  registerCodecs();
  return new Kafka({
    clientId: options.clientId ?? 'scorestream',
    brokers: [...options.brokers],
    logCreator: kafkaLogCreator(options.logLevel ?? logLevel.WARN, options.onRetried ? { onRetried: options.onRetried } : {}),
    connectionTimeout: 3000,
    retry: { ...CLIENT_RETRY, ...(options.retries === undefined ? {} : { retries: options.retries }) },
    ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  });
}

/** The CA file's PEM text; a file that cannot be read is a configuration error naming kafka.tls.caFile. */
function readCaFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new ScorestreamError('CONFIG_INVALID', `kafka.tls.caFile=${file} cannot be read (${errorMessage(err)}): set it to the PEM file of the CA that signed the brokers, or leave it empty for the system CAs`, { cause: err });
  }
}

/** TLS (optionally with a private CA) and SASL/PLAIN or SCRAM, as configured. */
export function securityOptions(config: Config): Pick<KafkaClientOptions, 'ssl' | 'sasl'> {
  const ssl = config.tls ? (config.tlsCaFile ? { ca: [readCaFile(config.tlsCaFile)] } : true) : undefined;
  const sasl: SASLOptions | undefined =
    config.saslMechanism === 'none' ? undefined : ({ mechanism: config.saslMechanism, username: config.saslUsername, password: config.saslPassword } as SASLOptions);
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}

/** A client for the configured cluster. */
export function kafkaFromConfig(config: Config, brokers: readonly string[], clientSuffix: string, hooks: Pick<KafkaClientOptions, 'onRetried'> = {}): Kafka {
  return createKafka({
    brokers,
    clientId: `${config.clientId}-${clientSuffix}`,
    ...securityOptions(config),
    ...hooks,
  });
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}
