import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Middleware } from 'mappersmith';
import { ScorestreamError, errorMessage } from '../errors';

/** Where the schema registry is and how to authenticate (registry.url, registry.username/password). */
export interface RegistryAccess {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** registry.timeoutMs: how long one request may take; 10 s when not given. */
  readonly timeoutMs?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The registry settings of a configuration, as registry calls take them. */
export function registryAccess(config: { readonly registryUsername: string; readonly registryPassword: string; readonly registryTimeoutMs: number }, url: string): RegistryAccess {
  return { url, timeoutMs: config.registryTimeoutMs, ...(config.registryUsername ? { username: config.registryUsername, password: config.registryPassword } : {}) };
}

/** What went wrong under fetch's "fetch failed": connect ECONNREFUSED 127.0.0.1:8081, getaddrinfo ENOTFOUND ... */
function networkReason(err: unknown): string {
  let message = errorMessage(err);
  // Duck-typed: fetch's errors (a DOMException for the timeout) may come from another realm.
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { name, message: m, cause } = e as { name?: unknown; message?: unknown; cause?: unknown };
    if (name === 'TimeoutError') return 'timeout';
    if (typeof m === 'string') message = m;
    e = cause;
  }
  return message;
}

/** A registry that could not be reached, or did not answer in time, as one line. */
export function registryUnavailable(url: string, reason: string, timeoutMs: number, cause?: unknown): ScorestreamError {
  const what = reason === 'timeout' || /^Timeout \(\d+ms\)$/.test(reason) ? `did not answer within ${timeoutMs / 1000} s` : `cannot be reached (${reason})`;
  return new ScorestreamError('REGISTRY_UNAVAILABLE', `schema registry ${url} ${what}: check registry.url (SCHEMA_REGISTRY_URL) and that the registry is running`, { cause });
}

/**
 * One call of the Confluent schema registry REST API, for what the registry client does not
 * offer as we need it (subject compatibility, lookup by content with the HTTP status). A registry
 * that cannot be reached, or does not answer within its timeout, is REGISTRY_UNAVAILABLE; any
 * HTTP answer is returned for the caller to read.
 */
export async function registryCall(access: RegistryAccess, method: 'GET' | 'PUT' | 'POST', path: string, body?: object): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE };
  if (access.username) headers.authorization = `Basic ${Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64')}`;
  const timeoutMs = access.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  let text: string;
  try {
    // The timeout covers the body too: a registry may send headers and then stall.
    res = await fetch(`${access.url.replace(/\/+$/, '')}${path}`, { method, headers, signal: AbortSignal.timeout(timeoutMs), ...(body ? { body: JSON.stringify(body) } : {}) });
    text = await res.text();
  } catch (err: unknown) {
    throw registryUnavailable(access.url, networkReason(err), timeoutMs, err);
  }
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * The start-up check: the registry answers GET /subjects. One line otherwise: unreachable or
 * silent (exit 1), or answering in a way that says registry.url or the credentials are wrong (exit 2).
 */
export async function probeRegistry(access: RegistryAccess): Promise<void> {
  const res = await registryCall(access, 'GET', '/subjects');
  if (res.status === 200 && Array.isArray(res.body)) return;
  if (res.status === 401 || res.status === 403) {
    throw new ScorestreamError('CONFIG_INVALID', `schema registry ${access.url} refused ${access.username ? `the credentials of registry.username=${access.username}` : 'a request without credentials'} (HTTP ${res.status}): check registry.username and registry.password`);
  }
  if (res.status >= 500) throw new ScorestreamError('REGISTRY_UNAVAILABLE', `schema registry ${access.url} answered HTTP ${res.status} to GET /subjects: check the registry's health`);
  throw new ScorestreamError(
    'CONFIG_INVALID',
    `registry.url=${access.url} does not answer as a Confluent-compatible schema registry (HTTP ${res.status} to GET /subjects): check the URL; Apicurio's is http://host:port/apis/ccompat/v7`,
  );
}

/** Gives every request of the registry client a timeout: its default is to wait for ever. */
const timeoutMiddleware =
  (ms: number): Middleware =>
  () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: ms });
    },
  });

type ClientRetry = ConstructorParameters<typeof SchemaRegistry>[0]['retry'];

/** The @kafkajs/confluent-schema-registry client for `access`, each request bounded by its timeout. */
export function schemaRegistryClient(access: RegistryAccess, retry?: ClientRetry): SchemaRegistry {
  return new SchemaRegistry({
    host: access.url,
    middlewares: [timeoutMiddleware(access.timeoutMs ?? DEFAULT_TIMEOUT_MS)],
    ...(retry === undefined ? {} : { retry }),
    ...(access.username ? { auth: { username: access.username, password: access.password ?? '' } } : {}),
  });
}
