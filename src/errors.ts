/**
 * The one list of error codes. Every error scorestream raises on purpose is a ScorestreamError
 * with one of these codes, a `retryable` flag and, where there is one, the underlying `cause`.
 * The CLI prints `message` as one line and exits non-zero; callers that retry look at `retryable`
 * and never retry a programmer or configuration error.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, exitCode: 2 },
  REPLAY_INVALID: { retryable: false, exitCode: 2 },
  JAVA_NOT_FOUND: { retryable: false, exitCode: 1 },
  JAVA_TOO_OLD: { retryable: false, exitCode: 1 },
  MAVEN_NOT_FOUND: { retryable: false, exitCode: 1 },
  DOWNLOAD_FAILED: { retryable: true, exitCode: 1 },
  CHECKSUM_MISMATCH: { retryable: false, exitCode: 1 },
  PORT_IN_USE: { retryable: false, exitCode: 1 },
  SERVICE_START_FAILED: { retryable: false, exitCode: 1 },
  SERVICE_NOT_READY: { retryable: true, exitCode: 1 },
  SERVICE_STOP_FAILED: { retryable: false, exitCode: 1 },
  MODEL_NOT_FOUND: { retryable: false, exitCode: 1 },
  MODEL_MANIFEST_INVALID: { retryable: false, exitCode: 1 },
  MODEL_CHECKSUM_MISMATCH: { retryable: false, exitCode: 1 },
  MODEL_EXTERNAL_DATA: { retryable: false, exitCode: 1 },
  MODEL_SIGNATURE_MISMATCH: { retryable: false, exitCode: 1 },
  MODEL_REFERENCE_MISMATCH: { retryable: false, exitCode: 1 },
  MODEL_LOAD_FAILED: { retryable: false, exitCode: 1 },
  MODEL_PRECISION_UNAVAILABLE: { retryable: false, exitCode: 1 },
  INFERENCE_FAILED: { retryable: true, exitCode: 1 },
  /** The inference server did not answer in time, or not at all: the model's fallback answers meanwhile. */
  REMOTE_UNAVAILABLE: { retryable: true, exitCode: 1 },
  /** The inference server hosts something else than the version's manifest describes. */
  MODEL_SERVER_MISMATCH: { retryable: false, exitCode: 1 },
  REGISTRY_UNAVAILABLE: { retryable: true, exitCode: 1 },
  /** A command line scorestream does not understand: unknown option, bad flag value. */
  USAGE_INVALID: { retryable: false, exitCode: 2 },
  /** No broker of kafka.brokers answered: not running, unreachable, or not answering in time. */
  KAFKA_UNAVAILABLE: { retryable: true, exitCode: 1 },
  /** The brokers refused our TLS or SASL settings: a configuration to fix, not an outage to wait out. */
  KAFKA_AUTH_FAILED: { retryable: false, exitCode: 2 },
  /** Topics `run` needs are missing: `topics create` was not run, or app.id / topics.prefix differ. */
  TOPICS_MISSING: { retryable: false, exitCode: 2 },
  /** A signal stopped a start that was under way (a download, a local service starting). */
  INTERRUPTED: { retryable: false, exitCode: 130 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ScorestreamError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScorestreamError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.exitCode = ERROR_CODES[code].exitCode;
  }
}

export function isScorestreamError(err: unknown, code?: ErrorCode): err is ScorestreamError {
  return err instanceof ScorestreamError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
