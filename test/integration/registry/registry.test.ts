import fs from 'node:fs';
import path from 'node:path';
import { LEAD_FEATURES, MATCH_FEATURES, type ModelName } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import type { Inference } from '../../../src/infer/types';
import { WorkerInference } from '../../../src/infer/worker-inference';
import { FALLBACK_VERSION } from '../../../src/registry/fallback';
import { ModelRegistry, type RegistryEvent, type RegistryOptions } from '../../../src/registry/registry';
import { addVersion, editManifest, LATEST, scratchModels, sealManifest } from '../../helpers/models';

/** The registry against real ONNX Runtime and real model files in a scratch copy of models/. */

function rows(model: ModelName, n: number): Float32Array {
  const spec = model === 'property_matcher' ? MATCH_FEATURES : LEAD_FEATURES;
  const out = new Float32Array(n * spec.length);
  for (let i = 0; i < n; i++) spec.forEach((f, j) => (out[i * spec.length + j] = f.min + ((i + j) % 5) * 0.1 * Math.min(f.max - f.min, 10)));
  return out;
}

describe('ModelRegistry', () => {
  let dir: string;
  let events: RegistryEvent[];
  let now: number;
  let registry: ModelRegistry;
  const make = (overrides: Partial<RegistryOptions> = {}, inference: Inference = new WorkerInference()): ModelRegistry =>
    new ModelRegistry(
      {
        modelsDir: dir,
        versions: LATEST,
        precision: 'auto',
        session: { provider: 'cpu', intraOpThreads: 1 },
        breaker: { failureThreshold: 3, cooldownMs: 10_000 },
        now: () => now,
        onEvent: (e) => events.push(e),
        ...overrides,
      },
      inference,
    );

  beforeEach(() => {
    dir = scratchModels();
    events = [];
    now = 0;
  });
  afterEach(async () => {
    await registry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads every shipped model (INT8 on CPU, as its manifest allows) and scores probabilities', async () => {
    registry = make();
    await registry.start();
    expect(registry.health().map((h) => [h.model, h.status, h.version, h.precision])).toEqual([
      ['lead_scorer', 'serving', '1.0.0', 'int8'],
      ['property_matcher', 'serving', '1.0.0', 'int8'],
      ['churn_predictor', 'serving', '1.0.0', 'int8'],
    ]);
    for (const model of ['lead_scorer', 'property_matcher', 'churn_predictor'] as const) {
      const r = await registry.score(model, rows(model, 64), 64);
      expect(r).toMatchObject({ model, version: '1.0.0', fallback: null, precision: 'int8' });
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.scores).toHaveLength(64);
      for (const s of r.scores) expect(s >= 0 && s <= 1).toBe(true);
    }
  });

  it('serves a version trained before static quantization in fp32 under auto, says why, and refuses it under int8', async () => {
    const v = addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    // The manifest as an earlier training wrote it: no static model; the dynamic one's scores under `int8`.
    editManifest(v, (m) => {
      const files = m.files as Record<string, unknown>;
      delete files['model.int8-static.onnx'];
      delete files['reference-scores.int8-static.npy'];
      (m.reference as { scores: Record<string, string> }).scores = { fp32: 'reference-scores.fp32.npy', int8: 'reference-scores.int8.npy' };
      m.metrics = { fp32: { auc: 0.846 }, int8: { auc: 0.846 }, int8_within_tolerance: true };
    });
    sealManifest(v);
    registry = make();
    await registry.start();
    expect(registry.active('lead_scorer')).toMatchObject({ version: '1.1.0', precision: 'fp32' });
    expect(registry.active('churn_predictor')).toMatchObject({ version: '1.0.0', precision: 'int8' });
    expect(events.filter((e) => e.type === 'precision_fp32')).toEqual([
      { type: 'precision_fp32', model: 'lead_scorer', version: '1.1.0', reason: 'the version has no statically quantized model (trained by an earlier scorestream): retrain it to serve INT8' },
    ]);
    await registry.close();

    events = [];
    registry = make({ precision: 'int8' });
    await registry.start();
    expect(registry.active('lead_scorer')).toMatchObject({ version: '1.0.0', precision: 'int8' });
    expect(events.find((e) => e.type === 'load_failed')).toMatchObject({ model: 'lead_scorer', version: '1.1.0', code: 'MODEL_PRECISION_UNAVAILABLE' });
  });

  it('refuses a model whose file fails its checksum, says why, and the fallback answers', async () => {
    const file = path.join(dir, 'lead_scorer', '1.0.0', 'model.int8-static.onnx');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
    fs.writeFileSync(file, bytes);
    registry = make();
    await registry.start();
    const failed = events.find((e) => e.type === 'load_failed');
    expect(failed).toMatchObject({ model: 'lead_scorer', version: '1.0.0', code: 'MODEL_CHECKSUM_MISMATCH' });
    expect(failed && 'message' in failed ? failed.message : '').toMatch(/^lead_scorer 1\.0\.0: model\.int8-static\.onnx has sha256 [0-9a-f]{64} but the manifest says [0-9a-f]{64}; refusing to load it$/);
    expect(registry.health()[0]).toMatchObject({ model: 'lead_scorer', status: 'fallback', version: null });
    const r = await registry.score('lead_scorer', rows('lead_scorer', 4), 4);
    expect(r).toMatchObject({ version: FALLBACK_VERSION, sha256: null, fallback: 'model_unavailable', precision: 'rules' });
    for (const s of r.scores) expect(s > 0 && s < 1).toBe(true);
    // The other models are not affected.
    expect((await registry.score('churn_predictor', rows('churn_predictor', 1), 1)).fallback).toBeNull();
  });

  it('a hot swap to a corrupt version keeps the old one serving', async () => {
    registry = make();
    await registry.start();
    addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', (files) => files.set('model.int8-static.onnx', Buffer.from('not an onnx model')));
    await expect(registry.activate('lead_scorer', '1.1.0')).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    const r = await registry.score('lead_scorer', rows('lead_scorer', 8), 8);
    expect(r).toMatchObject({ version: '1.0.0', fallback: null });
    // refresh under `latest` does not retry the broken version forever.
    await registry.refresh();
    expect(events.filter((e) => e.type === 'load_failed')).toHaveLength(1);
  });

  it('a hot swap to a good version switches once; later batches are scored by it', async () => {
    registry = make();
    await registry.start();
    const before = await registry.score('lead_scorer', rows('lead_scorer', 16), 16);
    addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    await registry.refresh();
    const after = await registry.score('lead_scorer', rows('lead_scorer', 16), 16);
    expect(after.version).toBe('1.1.0');
    expect(Array.from(after.scores)).toEqual(Array.from(before.scores)); // same weights, new version
    expect(events.filter((e) => e.type === 'loaded' && e.model === 'lead_scorer')).toEqual([
      { type: 'loaded', model: 'lead_scorer', version: '1.0.0', precision: 'int8', provider: 'cpu', previous: null },
      { type: 'loaded', model: 'lead_scorer', version: '1.1.0', precision: 'int8', provider: 'cpu', previous: '1.0.0' },
    ]);
  });

  it('refuses models that keep data outside the file, or were trained on other features', async () => {
    addVersion(dir, 'churn_predictor', '1.0.0', '2.0.0', (files) => {
      // Appends graph (field 7) { initializer (field 5) { name "w", data_location EXTERNAL } }.
      const tensor = Buffer.from([0x42, 0x01, 0x77, 0x70, 0x01]);
      const graph = Buffer.concat([Buffer.from([0x2a, tensor.length]), tensor]);
      files.set('model.int8-static.onnx', Buffer.concat([files.get('model.int8-static.onnx')!, Buffer.from([0x3a, graph.length]), graph]));
    });
    addVersion(dir, 'property_matcher', '1.0.0', '2.0.0');
    const manifestFile = path.join(dir, 'property_matcher', '2.0.0', 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { features: { name: string }[] };
    manifest.features[3]!.name = 'distance_miles';
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    sealManifest(path.dirname(manifestFile)); // as if trained on these features
    registry = make();
    await registry.start();
    const failures = events.filter((e) => e.type === 'load_failed').map((e) => (e.type === 'load_failed' ? [e.model, e.code] : []));
    expect(failures).toEqual([
      ['property_matcher', 'MODEL_SIGNATURE_MISMATCH'],
      ['churn_predictor', 'MODEL_EXTERNAL_DATA'],
    ]);
    // Under `latest`, the newest version that loads serves.
    expect(registry.health().map((h) => h.version)).toEqual(['1.0.0', '1.0.0', '1.0.0']);
  });

  it('the breaker opens after the configured failures and half-opens after its cool-down', async () => {
    registry = make({}, new MainThreadInference());
    await registry.start();
    const good = rows('lead_scorer', 2);
    const broken = good.subarray(0, 5); // fewer values than two rows need: ONNX Runtime is never reached
    for (let i = 0; i < 3; i++) expect((await registry.score('lead_scorer', broken, 2)).fallback).toBe('inference_error');
    expect(registry.health()[0]).toMatchObject({ breaker: 'open', status: 'degraded' });
    expect((await registry.score('lead_scorer', good, 2)).fallback).toBe('breaker_open');
    now = 10_000;
    expect(registry.health()[0]!.breaker).toBe('half_open');
    expect((await registry.score('lead_scorer', good, 2)).fallback).toBeNull();
    expect(registry.health()[0]!.breaker).toBe('closed');
    expect(events.filter((e) => e.type === 'breaker').map((e) => (e.type === 'breaker' ? e.state : ''))).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed switch to a missing version changes nothing: the policy stays `latest` and the poll still upgrades', async () => {
    registry = make();
    await registry.start();
    await expect(registry.setPolicy('lead_scorer', '9.9.9')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: 'lead_scorer 9.9.9: no such version in the models directory (no manifest.json)' });
    expect(registry.active('lead_scorer')?.version).toBe('1.0.0');
    addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    await registry.refresh();
    expect(registry.active('lead_scorer')?.version).toBe('1.1.0');
  });

  it('a pinned version is used even when a newer one exists', async () => {
    addVersion(dir, 'lead_scorer', '1.0.0', '1.2.0');
    registry = make({ versions: { ...LATEST, lead_scorer: '1.0.0' }, precision: 'fp32' });
    await registry.start();
    expect(registry.active('lead_scorer')).toMatchObject({ version: '1.0.0', precision: 'fp32' });
    await registry.refresh();
    expect(registry.active('lead_scorer')?.version).toBe('1.0.0');
  });
});
