import { ScorestreamError } from '../errors';

interface Link {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly type?: string;
}

/** An error and its causes (KafkaJS nests them in `cause`, retries in `originalError`), outermost first. */
export function errorChain(err: unknown): Link[] {
  const chain: Link[] = [];
  let e: unknown = err;
  // Duck-typed, not instanceof: errors of sockets and TLS may come from another realm (jest's vm).
  while (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' && chain.length < 8) {
    const x = e as { name?: unknown; message: string; code?: unknown; type?: unknown; cause?: unknown; originalError?: unknown };
    chain.push({ name: typeof x.name === 'string' ? x.name : 'Error', message: x.message, ...(typeof x.code === 'string' ? { code: x.code } : {}), ...(typeof x.type === 'string' ? { type: x.type } : {}) });
    e = x.cause ?? x.originalError;
  }
  return chain;
}

/** The innermost message, without KafkaJS's "Connection error: " prefix: what actually went wrong. */
export function rootMessage(err: unknown): string {
  const chain = errorChain(err);
  const last = chain.at(-1);
  return (last?.message ?? String(err)).replace(/^Connection error: /, '').split('\n')[0] as string;
}

export const isKafkaJsError = (err: unknown): boolean => errorChain(err).some((l) => l.name.startsWith('KafkaJS'));

const SASL_TYPES = new Set(['ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM', 'SASL_AUTHENTICATION_FAILED']);

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly tls: boolean;
  readonly saslMechanism: string;
}

/**
 * A failure to talk to the brokers as one line: KAFKA_AUTH_FAILED (exit 2) when the brokers
 * refused our TLS or SASL settings, KAFKA_UNAVAILABLE (exit 1) when none could be reached.
 */
export function kafkaFailure(err: unknown, settings: KafkaSettings): ScorestreamError {
  const chain = errorChain(err);
  const reason = rootMessage(err);
  const where = settings.brokers.join(',');
  if (chain.some((l) => l.name === 'KafkaJSSASLAuthenticationError' || (l.type !== undefined && SASL_TYPES.has(l.type)))) {
    const mechanism = settings.saslMechanism === 'none' ? 'kafka.sasl.mechanism=none' : `kafka.sasl.mechanism=${settings.saslMechanism}`;
    return new ScorestreamError(
      'KAFKA_AUTH_FAILED',
      `${mechanism}: the brokers at ${where} refused SASL authentication (${reason}): check kafka.sasl.mechanism, kafka.sasl.username and kafka.sasl.password, and whether that listener expects SASL at all`,
      { cause: err },
    );
  }
  const tlsProblem = chain.some((l) => /TLS|SSL|certificate/i.test(l.message) || /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(l.code ?? ''));
  if (settings.tls && tlsProblem) {
    return new ScorestreamError(
      'KAFKA_AUTH_FAILED',
      `kafka.tls.enabled=true: the TLS handshake with ${where} failed (${reason}): check that the listener speaks TLS, and kafka.tls.caFile for a private CA`,
      { cause: err },
    );
  }
  return new ScorestreamError('KAFKA_UNAVAILABLE', `kafka.brokers ${where} cannot be reached (${reason}): check kafka.brokers (KAFKA_BROKERS) and that the brokers are running`, { cause: err });
}
