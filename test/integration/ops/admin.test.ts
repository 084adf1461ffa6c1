import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import client from 'prom-client';
import { loadConfig } from '../../../src/config/load';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { startOpsListeners, type OpsListeners } from '../../../src/ops/listeners';
import { createMetrics } from '../../../src/ops/metrics';
import { ModelRegistry, type RegistryEvent } from '../../../src/registry/registry';
import { addVersion, scratchModels } from '../../helpers/models';

/**
 * The admin listener (POST /models/<name>?version=...) against a real registry and real models:
 * apart from /metrics, on loopback by default, behind a bearer token when one is set; a failed
 * switch changes nothing and its answer names no local path.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const portOf = (server: http.Server | undefined): number => (server?.address() as net.AddressInfo).port;

async function post(port: number, url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('admin listener', () => {
  let dir: string;
  let registry: ModelRegistry;
  let listeners: OpsListeners | undefined;
  const events: RegistryEvent[] = [];

  async function start(env: Record<string, string>): Promise<OpsListeners> {
    const config = loadConfig({ env: { SCORESTREAM_HTTP_PORT: String(await freePort()), SCORESTREAM_HTTP_ADMIN_PORT: String(await freePort()), ...env } });
    listeners = await startOpsListeners(config, createMetrics(new client.Registry()).registry, { health: () => ({ ok: true, detail: {} }), ready: () => true }, (m, p) => registry.setPolicy(m, p));
    return listeners;
  }

  beforeEach(async () => {
    dir = scratchModels();
    events.length = 0;
    registry = new ModelRegistry(
      {
        modelsDir: dir,
        versions: { lead_scorer: 'latest', property_matcher: 'latest', churn_predictor: 'latest' },
        precision: 'fp32',
        session: { provider: 'cpu', intraOpThreads: 1 },
        breaker: { failureThreshold: 3, cooldownMs: 10_000 },
        onEvent: (e) => events.push(e),
      },
      new MainThreadInference(),
    );
    await registry.start();
  });
  afterEach(async () => {
    await listeners?.close();
    listeners = undefined;
    await registry.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default; when on, it listens on loopback apart from /metrics, which does not serve /models', async () => {
    expect((await start({})).admin).toBeUndefined();
    await listeners!.close();
    const l = await start({ SCORESTREAM_HTTP_ADMIN: 'true' });
    expect((l.admin!.address() as net.AddressInfo).address).toBe('127.0.0.1');
    expect(portOf(l.admin)).not.toBe(portOf(l.metrics));
    expect(await post(portOf(l.metrics), '/models/lead_scorer?version=1.0.0')).toEqual({ status: 404, body: { error: 'not found' } });
    expect((await fetch(`http://127.0.0.1:${portOf(l.admin)}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${portOf(l.metrics)}/metrics`)).status).toBe(200);
    expect(await post(portOf(l.admin), '/models/lead_scorer?version=1.0.0')).toEqual({ status: 200, body: { model: 'lead_scorer', version: '1.0.0' } });
    expect(l.describe()).toMatch(/model admin on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a switch to a missing version answers 409 without a path and changes nothing: hot swap under `latest` still upgrades', async () => {
    const admin = portOf((await start({ SCORESTREAM_HTTP_ADMIN: 'true' })).admin);
    const res = await post(admin, '/models/lead_scorer?version=9.9.9');
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ model: 'lead_scorer', version: '9.9.9', error: 'lead_scorer 9.9.9: no such version in the models directory (no manifest.json)' });
    expect(JSON.stringify(res.body)).not.toContain(dir);
    for (const e of events) expect(JSON.stringify(e)).not.toContain(dir);
    expect(registry.active('lead_scorer')?.version).toBe('1.0.0');

    // The policy is still `latest`: a version dropped in is picked up by the poll...
    addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    await registry.refresh();
    expect(registry.active('lead_scorer')?.version).toBe('1.1.0');
    // ...and by an explicit switch to latest.
    addVersion(dir, 'lead_scorer', '1.0.0', '1.2.0');
    expect(await post(admin, '/models/lead_scorer?version=latest')).toEqual({ status: 200, body: { model: 'lead_scorer', version: '1.2.0' } });
  });

  it('rejects bad requests without touching the registry', async () => {
    const admin = portOf((await start({ SCORESTREAM_HTTP_ADMIN: 'true' })).admin);
    expect(await post(admin, '/models/nope?version=1.0.0')).toEqual({ status: 400, body: { error: 'unknown model; models: lead_scorer, property_matcher, churn_predictor' } });
    expect(await post(admin, '/models/lead_scorer?version=../../etc')).toEqual({ status: 400, body: { model: 'lead_scorer', error: 'version must be latest or x.y.z' } });
    expect((await fetch(`http://127.0.0.1:${admin}/models/lead_scorer?version=1.0.0`)).status).toBe(405);
    expect(events.filter((e) => e.type === 'load_failed')).toEqual([]);
  });

  it('with a token, requires it as a bearer token', async () => {
    const l = await start({ SCORESTREAM_HTTP_ADMIN: 'true', SCORESTREAM_HTTP_ADMIN_TOKEN: 's3cret' });
    const admin = portOf(l.admin);
    expect(await post(admin, '/models/lead_scorer?version=latest')).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await post(admin, '/models/lead_scorer?version=latest', 'wrong')).toEqual({ status: 401, body: { error: 'unauthorized' } });
    const unauthorized = await fetch(`http://127.0.0.1:${admin}/models/lead_scorer?version=latest`, { method: 'POST', headers: { authorization: 's3cret' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
    expect(await post(admin, '/models/lead_scorer?version=latest', 's3cret')).toEqual({ status: 200, body: { model: 'lead_scorer', version: '1.0.0' } });
    expect(l.describe()).toMatch(/\(bearer token\)$/);
  });
});
