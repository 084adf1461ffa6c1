import type http from 'node:http';
import type { Config } from '../config/schema';
import { startAdminServer, type SwitchModel } from './admin-server';
import { startHttpServer, type HealthSource, type MetricsSource } from './http-server';
import { listenError } from './listen-error';

export interface OpsListeners {
  /** /metrics, /healthz, /readyz on http.host:http.port; undefined when http.port is 0. */
  readonly metrics: http.Server | undefined;
  /** POST /models/... on http.admin.host:http.admin.port; undefined unless http.admin. */
  readonly admin: http.Server | undefined;
  /** Where each listens, for the start-up line. */
  describe(): string;
  close(): Promise<void>;
}

/** Closes a listener and every connection to it: a scraper's keep-alive connection must not hold a stopping process. */
const closeServer = (server: http.Server | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

const loopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** The processor's HTTP listeners, as the configuration asks: the read-only one, and the admin one apart. */
export async function startOpsListeners(config: Config, metrics: MetricsSource, source: HealthSource, switchModel: SwitchModel): Promise<OpsListeners> {
  const metricsServer =
    config.httpPort > 0
      ? await startHttpServer(config.httpHost, config.httpPort, metrics, source).catch((err: unknown) => {
          throw listenError(err, { hostKey: 'http.host', portKey: 'http.port', host: config.httpHost, port: config.httpPort });
        })
      : undefined;
  let admin: http.Server | undefined;
  try {
    admin = config.httpAdmin ? await startAdminServer({ host: config.httpAdminHost, port: config.httpAdminPort, token: config.httpAdminToken }, switchModel) : undefined;
  } catch (err: unknown) {
    await closeServer(metricsServer);
    throw listenError(err, { hostKey: 'http.admin.host', portKey: 'http.admin.port', host: config.httpAdminHost, port: config.httpAdminPort });
  }
  return {
    metrics: metricsServer,
    admin,
    describe: () =>
      [
        metricsServer ? `metrics and health on http://${config.httpHost}:${config.httpPort}` : '',
        admin
          ? `model admin on http://${config.httpAdminHost}:${config.httpAdminPort}${config.httpAdminToken ? ' (bearer token)' : loopback(config.httpAdminHost) ? '' : ' WITHOUT a token: anyone who reaches it can switch models'}`
          : '',
      ]
        .filter((s) => s.length > 0)
        .join('; '),
    close: async () => {
      await Promise.all([closeServer(metricsServer), closeServer(admin)]);
    },
  };
}
