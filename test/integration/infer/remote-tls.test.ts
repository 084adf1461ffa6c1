import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RemoteInference } from '../../../src/infer/remote-inference';
import { ModelRegistry, type RegistryEvent } from '../../../src/registry/registry';
import { InferenceServer, exportRepository } from '../../helpers/inference-server';
import { LATEST, MODELS_DIR, referenceRows } from '../../helpers/models';

/**
 * grpcs://: Triton serving gRPC over TLS with a certificate signed by a CA of the test's own. With
 * models.remote.tls.caFile naming that CA the processor's models load and score; with the system
 * CAs (which do not know it) every version fails to load as the server being unreachable, so the
 * fallback answers and nothing is refused for good.
 */
jest.setTimeout(180_000);

describe('the remote backend over TLS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-tls-'));
  const file = (name: string): string => path.join(dir, name);
  let server: InferenceServer;

  beforeAll(async () => {
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=scorestream test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
    fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.pem'));
    server = await InferenceServer.create(exportRepository(), { cert: file('server.pem'), key: file('server.key') });
    await server.start();
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const registry = (caFile: string | undefined, events: RegistryEvent[]): ModelRegistry =>
    new ModelRegistry(
      { modelsDir: MODELS_DIR, versions: LATEST, precision: 'auto', session: { provider: 'cpu', intraOpThreads: 1 }, breaker: { failureThreshold: 2, cooldownMs: 5_000 }, onEvent: (e) => events.push(e) },
      new RemoteInference({ url: server.url, timeoutMs: 2_000, maxInFlight: 4, maxBatchRows: 4096, tls: caFile ? { caFile } : {} }),
    );

  it('scores through the server when its CA is given', async () => {
    expect(server.url).toMatch(/^grpcs:\/\/127\.0\.0\.1:\d+$/);
    const events: RegistryEvent[] = [];
    const r = registry(file('ca.pem'), events);
    try {
      await r.start();
      expect(events.filter((e) => e.type === 'load_failed')).toEqual([]);
      const { rows, count } = referenceRows(path.join(MODELS_DIR, 'lead_scorer', '1.1.0'));
      const scored = await r.score('lead_scorer', rows, count);
      expect([scored.fallback, scored.version]).toEqual([null, '1.1.0']);
    } finally {
      await r.close();
    }
  });

  it('does not trust a server whose CA it does not know: nothing loads, the fallback answers', async () => {
    const events: RegistryEvent[] = [];
    const r = registry(undefined, events);
    try {
      await r.start();
      const failed = events.filter((e) => e.type === 'load_failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((e) => e.type === 'load_failed' && e.code === 'REMOTE_UNAVAILABLE')).toBe(true);
      expect((await r.score('lead_scorer', new Float32Array(24), 1)).fallback).toBe('remote_unavailable');
    } finally {
      await r.close();
    }
  });
});
