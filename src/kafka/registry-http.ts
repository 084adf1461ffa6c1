import { ScorestreamError, errorMessage } from '../errors';

/** Where the schema registry is and how to authenticate (registry.url, registry.username/password). */
export interface RegistryAccess {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * One call of the Confluent schema registry REST API, for what the registry client does not
 * offer as we need it (subject compatibility, lookup by content with the HTTP status). A registry
 * that cannot be reached is REGISTRY_UNAVAILABLE; any HTTP answer is returned for the caller to read.
 */
export async function registryCall(access: RegistryAccess, method: 'GET' | 'PUT' | 'POST', path: string, body?: object): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE };
  if (access.username) headers.authorization = `Basic ${Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(`${access.url.replace(/\/+$/, '')}${path}`, { method, headers, signal: AbortSignal.timeout(10_000), ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (err: unknown) {
    throw new ScorestreamError('REGISTRY_UNAVAILABLE', `schema registry ${access.url} cannot be reached (${errorMessage(err)}): check registry.url`, { cause: err });
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
