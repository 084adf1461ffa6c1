/**
 * Field types of the configuration schema: each parses a raw value (from a file or an environment
 * variable) into its typed value, or returns what is wrong with it.
 */
export interface Field<T> {
  /** Dotted key used in config files and messages, e.g. `batch.maxRecords`. */
  readonly key: string;
  /** Environment variables, highest precedence first. */
  readonly env: readonly string[];
  readonly doc: string;
  readonly default: T;
  /** The typed value, or a message saying what a valid value looks like. */
  parse(raw: unknown): T | { readonly error: string };
  /** For secrets: printed as *** by `scorestream config`. */
  readonly secret?: boolean;
}

export type FieldValue<F> = F extends Field<infer T> ? T : never;

const envName = (key: string): string => `SCORESTREAM_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;

export function str(key: string, def: string, doc: string, extraEnv: string[] = [], secret = false): Field<string> {
  return { key, env: [envName(key), ...extraEnv], doc, default: def, secret, parse: (raw) => (typeof raw === 'string' ? raw : { error: 'must be a string' }) };
}

export function int(key: string, def: number, doc: string, min: number, max = Number.MAX_SAFE_INTEGER): Field<number> {
  return {
    key,
    env: [envName(key)],
    doc,
    default: def,
    parse: (raw) => {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : { error: `must be an integer from ${min} to ${max}` };
    },
  };
}

export function bool(key: string, def: boolean, doc: string): Field<boolean> {
  return {
    key,
    env: [envName(key)],
    doc,
    default: def,
    parse: (raw) => (typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : { error: 'must be true or false' }),
  };
}

export function oneOf<T extends string>(key: string, values: readonly T[], def: T, doc: string): Field<T> {
  return {
    key,
    env: [envName(key)],
    doc: `${doc} (${values.join(' | ')})`,
    default: def,
    parse: (raw) => (typeof raw === 'string' && (values as readonly string[]).includes(raw) ? (raw as T) : { error: `must be one of ${values.join(', ')}` }),
  };
}

/** `latest` or an x.y.z version. */
export function versionPolicy(key: string, doc: string): Field<string> {
  return {
    key,
    env: [envName(key)],
    doc,
    default: 'latest',
    parse: (raw) => (typeof raw === 'string' && (raw === 'latest' || /^\d+\.\d+\.\d+$/.test(raw)) ? raw : { error: 'must be latest or a version like 1.2.0' }),
  };
}

export function list(key: string, doc: string, extraEnv: string[] = []): Field<readonly string[]> {
  return {
    key,
    env: [envName(key), ...extraEnv],
    doc,
    default: [],
    parse: (raw) => {
      const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
      if (!items || !items.every((i): i is string => typeof i === 'string')) return { error: 'must be a comma-separated list' };
      return items.map((i) => i.trim()).filter((i) => i.length > 0);
    },
  };
}

/** Why `item` is not host:port (port 1-65535; an IPv6 host in brackets), or undefined when it is. */
function hostPortProblem(item: string): string | undefined {
  if (!item.includes(':')) return `"${item}" has no port`;
  if (/\s/.test(item)) return `"${item}": the host has a space`;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):([^:]*)$/.exec(item);
  if (!m) return `"${item}" is not host:port`;
  const port = Number(m[2]);
  if (!/^\d+$/.test(m[2] as string) || port < 1 || port > 65535) return `"${item}": the port must be from 1 to 65535`;
  return undefined;
}

/**
 * Bootstrap servers, checked here: KafkaJS takes "localhost" or "a b" as they are and retries a
 * connection to port NaN forever, so a bad list would only show as a start that never ends.
 */
export function hostPortList(key: string, doc: string, extraEnv: string[] = []): Field<readonly string[]> {
  const base = list(key, doc, extraEnv);
  return {
    ...base,
    parse: (raw) => {
      const items = base.parse(raw);
      if ('error' in items) return items;
      const problem = (items as readonly string[]).map(hostPortProblem).find((p) => p !== undefined);
      return problem ? { error: `must be host:port,... with a port from 1 to 65535: ${problem}` } : items;
    },
  };
}

/** An http:// or https:// URL, or empty (the setting's documented meaning of "none"). */
export function httpUrl(key: string, doc: string, extraEnv: string[] = []): Field<string> {
  const base = str(key, '', doc, extraEnv);
  return {
    ...base,
    parse: (raw) => {
      if (typeof raw !== 'string') return { error: 'must be a string' };
      if (raw === '') return raw;
      let url: URL | undefined;
      try {
        url = new URL(raw);
      } catch {
        url = undefined;
      }
      return url && (url.protocol === 'http:' || url.protocol === 'https:') ? raw : { error: 'must be an http:// or https:// URL, e.g. http://registry:8081' };
    },
  };
}
