import fs from 'node:fs';
import path from 'node:path';
import { readNpyFloat32 } from '../../../src/features/npy';
import { MODEL_NAMES, type ModelName } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { RemoteInference } from '../../../src/infer/remote-inference';
import type { Inference } from '../../../src/infer/types';
import { ModelRegistry, type RegistryEvent, type RegistryOptions } from '../../../src/registry/registry';
import { InferenceServer, exportRepository } from '../../helpers/inference-server';
import { LATEST, MODELS_DIR } from '../../helpers/models';

/**
 * The remote backend against a real Open Inference Protocol server: Triton, started here on free
 * ports, serving the repository `scorestream models export --format triton` writes (or one changed
 * the way an operator's mistake would change it).
 */
jest.setTimeout(300_000);

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'parity');
/** 1,000 holdout rows of each model's newest shipped version. */
const holdout = (model: ModelName): { rows: Float32Array; count: number } => {
  const version = fs.readdirSync(path.join(FIXTURES, model)).sort().pop() as string;
  const x = readNpyFloat32(path.join(FIXTURES, model, version, 'X.npy'));
  return { rows: x.data, count: x.shape[0] as number };
};

describe('the remote backend, against Triton', () => {
  const servers: InferenceServer[] = [];
  const registries: ModelRegistry[] = [];
  let events: RegistryEvent[];
  let now: number;

  const server = async (repository: string): Promise<InferenceServer> => {
    const s = await InferenceServer.create(repository);
    servers.push(s);
    await s.start();
    return s;
  };
  const remote = (url: string, timeoutMs = 2_000): RemoteInference => new RemoteInference({ url, timeoutMs, maxInFlight: 4, maxBatchRows: 300 });
  const registry = (inference: Inference, overrides: Partial<RegistryOptions> = {}): ModelRegistry => {
    const r = new ModelRegistry(
      { modelsDir: MODELS_DIR, versions: LATEST, precision: 'auto', session: { provider: 'cpu', intraOpThreads: 1 }, breaker: { failureThreshold: 2, cooldownMs: 5_000 }, now: () => now, onEvent: (e) => events.push(e), ...overrides },
      inference,
    );
    registries.push(r);
    return r;
  };
  const failures = (): [string, string, string, string][] => events.flatMap((e) => (e.type === 'load_failed' ? [[e.model, e.version, e.code, e.message] as [string, string, string, string]] : []));

  beforeEach(() => {
    events = [];
    now = 0;
  });
  afterEach(async () => {
    for (const r of registries.splice(0)) await r.close();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it.each(['auto', 'fp32'] as const)('scores as the local backend does (precision %s), a batch larger than one request included', async (precision) => {
    const s = await server(exportRepository(MODELS_DIR, { precision }));
    const viaServer = registry(remote(s.url), { precision });
    const local = registry(new MainThreadInference(), { precision });
    await viaServer.start();
    await local.start();
    expect(failures()).toEqual([]);
    for (const model of MODEL_NAMES) {
      expect(viaServer.health().find((h) => h.model === model)).toMatchObject({ status: 'serving', provider: 'remote', precision: precision === 'auto' ? 'int8' : 'fp32' });
      const { rows, count } = holdout(model); // 1,000 rows: four requests of at most 300
      const [a, b] = [await viaServer.score(model, rows, count), await local.score(model, rows, count)];
      expect([a.fallback, a.version, a.sha256]).toEqual([null, b.version, b.sha256]);
      if (precision === 'auto') {
        expect(Buffer.from(a.scores.buffer).equals(Buffer.from(b.scores.buffer))).toBe(true);
      } else {
        let worst = 0;
        for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs((a.scores[i] as number) - (b.scores[i] as number)));
        expect(worst).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('refuses a server whose model reads other inputs than the manifest says', async () => {
    const repo = exportRepository();
    const config = path.join(repo, 'lead_scorer', 'config.pbtxt');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('dims: [ 24 ]', 'dims: [ 14 ]'));
    for (const v of ['1000000', '1001000']) fs.copyFileSync(path.join(repo, 'property_matcher', '1000000', 'model.onnx'), path.join(repo, 'lead_scorer', v, 'model.onnx'));
    const s = await server(repo);
    const r = registry(remote(s.url));
    await r.start();
    expect(failures().map(([model, version, code]) => [model, version, code])).toEqual([
      ['lead_scorer', '1.1.0', 'MODEL_SERVER_MISMATCH'],
      ['lead_scorer', '1.0.0', 'MODEL_SERVER_MISMATCH'],
    ]);
    expect(failures()[0]?.[3]).toMatch(/^lead_scorer 1\.1\.0 \(version 1001000 on 127\.0\.0\.1:\d+\) does not match its manifest: its input features is FP32 \[-1, 14\], the manifest's FP32 \[-1, 24\]$/);
    expect(r.health().map((h) => [h.model, h.status])).toEqual([['lead_scorer', 'fallback'], ['property_matcher', 'serving'], ['churn_predictor', 'serving']]);
    expect((await r.score('lead_scorer', holdout('lead_scorer').rows, 3)).fallback).toBe('model_unavailable');
  });

  it('refuses a server that hosts another version under the number of the one asked for', async () => {
    const repo = exportRepository();
    fs.copyFileSync(path.join(repo, 'lead_scorer', '1001000', 'model.onnx'), path.join(repo, 'lead_scorer', '1000000', 'model.onnx'));
    const s = await server(repo);
    const r = registry(remote(s.url), { versions: { ...LATEST, lead_scorer: '1.0.0' } });
    await r.start();
    expect(failures()).toEqual([['lead_scorer', '1.0.0', 'MODEL_REFERENCE_MISMATCH', expect.stringMatching(/^lead_scorer 1\.0\.0: its scores on 256 reference rows differ from those recorded at training by up to/)]]);
    expect(r.active('lead_scorer')).toBeUndefined();
  });

  it('refuses a server that hosts the other precision, and says so', async () => {
    const s = await server(exportRepository(MODELS_DIR, { precision: 'fp32' }));
    const r = registry(remote(s.url), { versions: { ...LATEST, lead_scorer: '1.0.0' } });
    await r.start();
    expect(failures().map(([model, , code, message]) => [model, code, message])).toEqual(
      MODEL_NAMES.map((model) => [model, 'MODEL_SERVER_MISMATCH', expect.stringMatching(/: the server's scores of the reference rows are those of the fp32 model, not int8: export the models with the precision this processor serves/)]),
    );
  });

  it('with the local fallback, the version itself answers while the server does not, marked remote_unavailable', async () => {
    const s = await server(exportRepository());
    const r = registry(remote(s.url, 2_000), { localFallback: new MainThreadInference() });
    await r.start();
    const { rows, count } = holdout('lead_scorer');
    const good = await r.score('lead_scorer', rows, count);
    expect([good.fallback, good.version]).toEqual([null, '1.1.0']);
    await s.kill();
    for (let i = 0; i < 3; i++) {
      // Two requests that fail, then the breaker open: each time the local copy of 1.1.0 answers.
      const down = await r.score('lead_scorer', rows, count);
      expect([down.fallback, down.version, down.sha256]).toEqual(['remote_unavailable', '1.1.0', good.sha256]);
      expect(Buffer.from(down.scores.buffer).equals(Buffer.from(good.scores.buffer))).toBe(true);
    }
    expect(r.health()[0]).toMatchObject({ breaker: 'open', version: '1.1.0' });
  });

  it('a server down, killed or hung: the fallback answers, marked remote_unavailable, within the timeout; then the model again, never rolled back', async () => {
    const s = await InferenceServer.create(exportRepository());
    servers.push(s);
    const r = registry(remote(s.url, 2_000));
    const { rows } = holdout('lead_scorer');

    // Down at start: nothing served, the fallback answers, and the versions are not refused for it.
    await r.start();
    expect(r.active('lead_scorer')).toBeUndefined();
    expect(await r.score('lead_scorer', rows, 4)).toMatchObject({ fallback: 'remote_unavailable', version: 'rules-1' });
    await s.start();
    // As the processor's poll does (models.pollMs): the versions are tried again until they load.
    for (let i = 0; i < 20 && !r.active('lead_scorer'); i++) {
      await r.refresh();
      await new Promise((done) => setTimeout(done, 500));
    }
    expect(r.active('lead_scorer')).toMatchObject({ version: '1.1.0', provider: 'remote' });
    const good = await r.score('lead_scorer', rows, 4);
    expect(good.fallback).toBeNull();

    // Killed: each batch gets the fallback within the timeout (2 s); after two failures the
    // breaker opens and the fallback answers at once.
    await s.kill();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect(await r.score('lead_scorer', rows, 4)).toMatchObject({ fallback: 'remote_unavailable', version: 'rules-1' });
      expect(Date.now() - started).toBeLessThan(i < 2 ? 3_000 : 100);
    }
    expect(r.health()[0]).toMatchObject({ status: 'degraded', breaker: 'open', version: '1.1.0', lastError: expect.stringMatching(/^inference server 127\.0\.0\.1:\d+: /) });

    // Back: after the cool-down the model answers again, with the same scores.
    await s.start();
    now += 5_000;
    const again = await r.score('lead_scorer', rows, 4);
    expect([again.fallback, again.version, Array.from(again.scores)]).toEqual([null, '1.1.0', Array.from(good.scores)]);

    // Hung (SIGSTOP): requests give up at the timeout; the fallback answers; SIGCONT and it is back.
    s.signal('SIGSTOP');
    try {
      const started = Date.now();
      expect(await r.score('lead_scorer', rows, 4)).toMatchObject({ fallback: 'remote_unavailable' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      s.signal('SIGCONT');
    }
    now += 5_000;
    expect((await r.score('lead_scorer', rows, 4)).fallback).toBeNull();
    // Only the loads tried while the server was down failed, for that reason; nothing was rolled back.
    const failed = events.filter((e) => e.type === 'rolled_back' || e.type === 'load_failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((e) => !(e.type === 'load_failed' && e.code === 'REMOTE_UNAVAILABLE'))).toEqual([]);
  });
});
