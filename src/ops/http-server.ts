import http from 'node:http';
export interface Health {
  readonly ok: boolean;
  readonly detail: unknown;
}

export interface HealthSource {
  /** Alive: the process can serve; models may be on fallbacks (reported, not fatal). */
  health(): Health | Promise<Health>;
  /** Ready: property table loaded and every assigned partition restored. */
  ready(): boolean | Promise<boolean>;
}

/** What /metrics serves: a prom-client registry, or the sum of the stream threads' registries. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * /metrics (Prometheus text), /healthz and /readyz (200 or 503, JSON body): read-only, for
 * scrapers and probes. Switching models is the admin listener's (admin-server.ts), never this one's.
 */
export function startHttpServer(host: string, port: number, metrics: MetricsSource, source: HealthSource): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const failed = (err: unknown): void => send(500, JSON.stringify({ error: String(err) }));
    if (req.url === '/metrics') {
      metrics.metrics().then((text) => send(200, text, metrics.contentType), failed);
    } else if (req.url === '/healthz') {
      Promise.resolve(source.health()).then((h) => send(h.ok ? 200 : 503, JSON.stringify(h.detail)), failed);
    } else if (req.url === '/readyz') {
      Promise.resolve(source.ready()).then((ready) => send(ready ? 200 : 503, JSON.stringify({ ready })), failed);
    } else send(404, JSON.stringify({ error: 'not found' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
