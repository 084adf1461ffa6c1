import fs from 'node:fs';
import { ScorestreamError, errorMessage } from '../errors';
import type { Field } from './fields';
import { SCHEMA, type Config } from './schema';
import { OTHER_VARIABLES, closest, isServiceLinkVariable } from './variables';

type Env = Readonly<Record<string, string | undefined>>;

/** Flattens `{ "batch": { "maxRecords": 1 } }` to `batch.maxRecords`, keeping dotted keys as they are. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
}

function readFile(file: string): Map<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err: unknown) {
    throw new ScorestreamError('CONFIG_INVALID', `config file ${file} could not be read as JSON: ${errorMessage(err)}`, { cause: err });
  }
  const flat = new Map<string, unknown>();
  flatten(json, '', flat);
  return flat;
}

/**
 * Defaults, then the config file (SCORESTREAM_CONFIG or `file`), then the environment. The first
 * bad value stops the load with one line naming the key and where it came from; unknown keys in
 * the file and unknown SCORESTREAM_* variables are errors too (a typo would otherwise be silently
 * ignored). The result is frozen.
 */
export function loadConfig(options: { file?: string; env?: Env } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SCORESTREAM_CONFIG;
  const fromFile = file ? readFile(file) : new Map<string, unknown>();
  const fields = Object.entries(SCHEMA) as [keyof Config, Field<unknown>][];
  const known = new Set(fields.map(([, f]) => f.key));
  for (const key of fromFile.keys()) {
    if (!known.has(key)) throw new ScorestreamError('CONFIG_INVALID', `config file ${file}: unknown key ${key} (see scorestream config)`);
  }
  // The same for variables: a misspelt one would leave the default in force without a word.
  const variables = [...fields.flatMap(([, f]) => f.env).filter((v) => v.startsWith('SCORESTREAM_')), ...OTHER_VARIABLES];
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('SCORESTREAM_') && !variables.includes(name) && !isServiceLinkVariable(name, env[name])) {
      throw new ScorestreamError('CONFIG_INVALID', `environment variable ${name} is not a scorestream setting: did you mean ${closest(name, variables)}? (scorestream config lists every variable)`);
    }
  }
  const config: Record<string, unknown> = {};
  for (const [name, field] of fields) {
    let raw: unknown = field.default;
    let source = 'default';
    if (fromFile.has(field.key)) {
      raw = fromFile.get(field.key);
      source = `config file ${file}`;
    }
    const variable = field.env.find((v) => env[v] !== undefined && env[v] !== '');
    if (variable) {
      raw = env[variable];
      source = variable;
    }
    const parsed = source === 'default' ? raw : field.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) {
      const shown = field.secret ? '***' : JSON.stringify(raw);
      throw new ScorestreamError('CONFIG_INVALID', `config ${field.key}=${shown} (from ${source}) ${String((parsed as { error: string }).error)}`);
    }
    config[name] = parsed;
  }
  const c = config as Config;
  if (c.saslMechanism !== 'none' && (!c.saslUsername || !c.saslPassword)) {
    throw new ScorestreamError('CONFIG_INVALID', `config kafka.sasl.mechanism=${c.saslMechanism} needs kafka.sasl.username and kafka.sasl.password`);
  }
  if (c.backend === 'remote' && !/^grpcs?:\/\/[^/\s]+:\d+\/?$/.test(c.remoteUrl)) {
    throw new ScorestreamError('CONFIG_INVALID', `config models.backend=remote needs models.remote.url as grpc://host:port or grpcs://host:port${c.remoteUrl ? `, not ${JSON.stringify(c.remoteUrl)}` : ''}`);
  }
  if (Boolean(c.remoteTlsCertFile) !== Boolean(c.remoteTlsKeyFile)) {
    throw new ScorestreamError('CONFIG_INVALID', 'config models.remote.tls.certFile and models.remote.tls.keyFile go together: set both or neither');
  }
  return Object.freeze(c);
}

/** `key = value  # doc` lines, secrets hidden, for `scorestream config`. */
export function describeConfig(config: Config): string[] {
  return (Object.entries(SCHEMA) as [keyof Config, Field<unknown>][]).map(([name, f]) => {
    const value = f.secret && config[name] ? '***' : JSON.stringify(config[name]);
    return `${f.key} = ${value}    # ${f.doc} [${f.env.join(', ')}]`;
  });
}
