import http from 'node:http';
import type { Metrics } from './metrics';

export interface HealthSource {
  /** Alive: the process can serve; models may be on fallbacks (reported, not fatal). */
  health(): { ok: boolean; detail: unknown };
  /** Ready: property table loaded and every assigned partition restored. */
  ready(): boolean;
}

/**
 * /metrics (Prometheus text), /healthz and /readyz (200 or 503, JSON body): read-only, for
 * scrapers and probes. Switching models is the admin listener's (admin-server.ts), never this one's.
 */
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
    } else send(404, JSON.stringify({ error: 'not found' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
