import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { isScorestreamError } from '../errors';
import { MODEL_NAMES, type ModelName } from '../features/spec';

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  /** When not empty, every request must carry `Authorization: Bearer <token>`. */
  readonly token: string;
}

/** Puts `model` on a version policy (`latest` or x.y.z); resolves with the version now serving, or throws and changes nothing. */
export type SwitchModel = (model: ModelName, policy: string) => Promise<string>;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function authorized(header: string | undefined, token: string): boolean {
  if (token === '') return true;
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/**
 * Answers say what was asked and why it failed, never where files are: a message from elsewhere
 * that still holds an absolute path has it replaced.
 */
function withoutPaths(message: string): string {
  return message.replace(/(^|[\s'"(=:])\/[^\s'"),;]+/g, '$1<path>');
}

/**
 * The admin listener: `POST /models/<name>?version=<x.y.z|latest>` switches a model's version at
 * run time. It changes what the processor serves, so it has its own listener (loopback by
 * default), apart from /metrics and the probes, which are reached from outside the host; with a
 * token set, requests without it are answered 401. A failed switch is answered 409 and changes
 * nothing.
 */
export function startAdminServer(options: AdminOptions, switchModel: SwitchModel): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume(); // the body, if any, is not used
    if (!authorized(req.headers.authorization, options.token)) return send(401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    const url = new URL(req.url ?? '/', 'http://admin');
    if (!url.pathname.startsWith('/models/')) return send(404, { error: 'not found' });
    if (req.method !== 'POST') return send(405, { error: 'use POST' }, { allow: 'POST' });
    const model = url.pathname.slice('/models/'.length);
    const policy = url.searchParams.get('version') ?? '';
    if (!(MODEL_NAMES as readonly string[]).includes(model)) return send(400, { error: `unknown model; models: ${MODEL_NAMES.join(', ')}` });
    if (policy !== 'latest' && !/^\d+\.\d+\.\d+$/.test(policy)) return send(400, { model, error: 'version must be latest or x.y.z' });
    switchModel(model as ModelName, policy).then(
      (version) => send(200, { model, version }),
      (err: unknown) => send(409, { model, version: policy, error: isScorestreamError(err) ? withoutPaths(err.message) : 'the switch failed; the processor log says why' }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
