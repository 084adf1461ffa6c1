import { parseArgs } from 'node:util';
import { ScorestreamError } from '../errors';

type FlagOptions = Record<string, { type: 'string' | 'boolean' }>;
type FlagValues<O extends FlagOptions> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

/** A positive integer flag value, or a USAGE_INVALID error that names the command and the flag. */
export function intFlag(name: string, raw: string | undefined, fallback: number, min = 1, command?: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ScorestreamError('USAGE_INVALID', `${command ? `${command}: ` : ''}--${name}=${raw} must be an integer >= ${min}`);
  return n;
}

/**
 * The flags of `command` (e.g. "demo", "features export"), or one USAGE_INVALID line. node:util
 * takes `--leads -5` for a missing value; a value that looks like a negative number is joined to
 * its flag, so the flag's own check says what is wrong with it.
 */
export function parseFlags<O extends FlagOptions>(command: string, args: readonly string[], options: O): FlagValues<O> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: false }).values as FlagValues<O>;
  } catch (err: unknown) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message ?? '');
    const positional = /^Unexpected argument '([^']+)'/.exec(message ?? '');
    const what = unknown ? `unknown option '${unknown[1]}'` : positional ? `unexpected argument '${positional[1]}'` : typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? message : undefined;
    if (what === undefined) throw err;
    throw new ScorestreamError('USAGE_INVALID', `${command}: ${what} (scorestream ${command} --help lists them)`, { cause: err });
  }
}

/** Commands that take no arguments besides --help: anything else is a USAGE_INVALID line. */
export function noArgs(command: string, args: readonly string[]): void {
  const [first] = args;
  if (first === undefined) return;
  throw new ScorestreamError('USAGE_INVALID', `${command}: ${first.startsWith('-') ? `unknown option '${first}'` : `unexpected argument '${first}'`} (scorestream ${command} --help lists them)`);
}

/** `--help` or `-h` anywhere: the command prints its usage and starts nothing. */
export const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');
