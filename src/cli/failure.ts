import { ERROR_CODES, isScorestreamError } from '../errors';
import { errorChain, isKafkaJsError, rootMessage } from '../kafka/failure';

export interface Failure {
  /** What stderr gets: one line, except for an unexpected error (a bug), which shows its stack. */
  readonly text: string;
  readonly exitCode: number;
}

/** Exit code of an unexpected error: a bug (sysexits' EX_SOFTWARE). */
export const UNEXPECTED_EXIT_CODE = 70;

/**
 * A command's failure as the CLI reports it. Expected failures are one line that says what to do,
 * with the exit code of their error code (2 configuration or usage, 1 a dependency or a failure at
 * run time); errors of Kafka or the registry client that no check turned into one are still one
 * line, exit 1; anything else is a bug: its stack, exit 70.
 */
export function describeFailure(err: unknown): Failure {
  if (isScorestreamError(err)) return { text: `scorestream: ${err.message.split('\n')[0]}`, exitCode: ERROR_CODES[err.code].exitCode };
  if (isKafkaJsError(err)) {
    const outer = errorChain(err)[0]?.message.split('\n')[0] ?? '';
    const root = rootMessage(err);
    return { text: `scorestream: Kafka: ${outer}${root !== outer && !outer.includes(root) ? ` (${root})` : ''}`, exitCode: 1 };
  }
  const chain = errorChain(err);
  if (chain[0]?.name === 'ResponseError' && /Confluent_Schema_Registry/.test(chain[0].message)) {
    return { text: `scorestream: schema registry: ${chain[0].message.replace(/^Confluent_Schema_Registry - /, '').split('\n')[0]}: check registry.url and that the registry is running`, exitCode: 1 };
  }
  const stack = err instanceof Error && err.stack ? err.stack : String(err);
  return { text: `scorestream: unexpected error: ${stack}`, exitCode: UNEXPECTED_EXIT_CODE };
}
