import { ScorestreamError } from '../errors';

/** A positive integer flag value, or a CONFIG_INVALID error that names the flag. */
export function intFlag(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ScorestreamError('CONFIG_INVALID', `--${name}=${raw} must be an integer >= ${min}`);
  return n;
}
