import http from 'node:http';
import type { Metrics } from './metrics';

export interface HealthSource {
  /** Alive: the process can serve; models may be on fallbacks (reported, not fatal). */
  health(): { ok: boolean; detail: unknown };
  /** Ready: property table loaded and every assigned partition restored. */
  ready(): boolean;
  /** When given (http.admin): switches a model to a version policy, resolving with the version now serving. */
  setModelVersion?(model: string, policy: string): Promise<string>;
}

/** /metrics (Prometheus text), /healthz and /readyz (200 or 503, JSON body). */
export function startHttpServer(host: string, port: number, metrics: Metrics, source: HealthSource): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err: unknown) => send(500, JSON.stringify({ error: String(err) })),
      );
    } else if (req.url === '/healthz') {
      const h = source.health();
      send(h.ok ? 200 : 503, JSON.stringify(h.detail));
    } else if (req.url === '/readyz') {
      const ready = source.ready();
      send(ready ? 200 : 503, JSON.stringify({ ready }));
    } else if (source.setModelVersion && req.method === 'POST' && req.url?.startsWith('/models/')) {
      const url = new URL(req.url, 'http://admin');
      const model = url.pathname.slice('/models/'.length);
      const policy = url.searchParams.get('version') ?? '';
      source.setModelVersion(model, policy).then(
        (version) => send(200, JSON.stringify({ model, version })),
        (err: unknown) => send(409, JSON.stringify({ model, error: err instanceof Error ? err.message : String(err) })),
      );
    } else send(404, JSON.stringify({ error: 'not found' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
