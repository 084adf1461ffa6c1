import fs from 'node:fs';
import path from 'node:path';
import { LEAD_FEATURES } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { WorkerInference } from '../../../src/infer/worker-inference';
import { ModelRegistry, type RegistryEvent, type RegistryOptions } from '../../../src/registry/registry';
import { addBuiltVersion, addVersion, copyShippedVersion, editManifest, LATEST, leadRows, referenceRows, scratchModels, sealManifest } from '../../helpers/models';
import { linearOnnx } from '../../helpers/onnx-graph';

/**
 * What the registry checks before a version serves, against real ONNX Runtime and real model
 * files: the manifest's own checksum, and the version's reference rows scored as at training.
 */
const WIDTH = LEAD_FEATURES.length;

/** A model whose score is `bias + slope * log_page_views_7d`, then `then`. */
function pageViewModel(bias: number, slope: number, then?: 'Sqrt'): Buffer {
  const weights = LEAD_FEATURES.map((_, i): [number, number] => [0, i === 0 ? slope : 0]);
  return linearOnnx({ weights, bias: [0, bias], ...(then ? { then } : {}) });
}

/** What the warm-up of one row of feature minimums sees. */
async function scoreOfMinimumRow(onnx: Buffer): Promise<number> {
  const inference = new MainThreadInference();
  await inference.load('m', onnx, { inputName: 'features', outputName: 'probabilities', features: WIDTH, scoreColumn: 1 }, { provider: 'cpu', intraOpThreads: 1 });
  const [s] = await inference.run('m', leadRows([0]), 1);
  await inference.close();
  return s as number;
}

describe('ModelRegistry: checks before a version serves', () => {
  let dir: string;
  let events: RegistryEvent[];
  let registry: ModelRegistry | undefined;
  const make = (overrides: Partial<RegistryOptions> = {}): ModelRegistry =>
    (registry = new ModelRegistry(
      {
        modelsDir: dir,
        versions: LATEST,
        precision: 'auto',
        session: { provider: 'cpu', intraOpThreads: 1 },
        breaker: { failureThreshold: 3, cooldownMs: 10_000 },
        onEvent: (e) => events.push(e),
        ...overrides,
      },
      new WorkerInference(),
    ));
  const failures = (): [string, string, string, string][] =>
    events.flatMap((e) => (e.type === 'load_failed' ? [[e.model, e.version, e.code, e.message] as [string, string, string, string]] : []));

  beforeEach(() => {
    dir = scratchModels();
    events = [];
  });
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a version whose manifest was edited after training (score_column 0); the old version keeps serving', async () => {
    await make().start();
    const rows = leadRows([0, 1, 2, 3]);
    const before = await registry!.score('lead_scorer', rows, 4);
    const v = addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    editManifest(v, (m) => (m.outputs[0]!.score_column = 0));
    await expect(registry!.activate('lead_scorer', '1.1.0')).rejects.toMatchObject({
      code: 'MODEL_CHECKSUM_MISMATCH',
      message: expect.stringMatching(/^lead_scorer 1\.1\.0: manifest\.json has sha256 [0-9a-f]{64} but manifest\.json\.sha256 says [0-9a-f]{64}; refusing to load it$/),
    });
    const after = await registry!.score('lead_scorer', rows, 4);
    expect(after).toMatchObject({ version: '1.0.0', fallback: null });
    expect(Array.from(after.scores)).toEqual(Array.from(before.scores));
    await registry!.refresh(); // the poll does not retry it while its files are unchanged
    expect(failures()).toHaveLength(1);
  });

  it('refuses, at start, a version whose manifest was edited or whose manifest checksum is missing', async () => {
    editManifest(path.join(dir, 'lead_scorer', '1.0.0'), (m) => (m.outputs[0]!.score_column = 0));
    fs.rmSync(path.join(dir, 'churn_predictor', '1.0.0', 'manifest.json.sha256'));
    await make().start();
    expect(failures().map(([m, v, c, msg]) => [m, v, c, msg.replace(/[0-9a-f]{64}/g, 'H')])).toEqual([
      ['lead_scorer', '1.0.0', 'MODEL_CHECKSUM_MISMATCH', 'lead_scorer 1.0.0: manifest.json has sha256 H but manifest.json.sha256 says H; refusing to load it'],
      ['churn_predictor', '1.0.0', 'MODEL_CHECKSUM_MISMATCH', 'churn_predictor 1.0.0: manifest.json.sha256 is missing; refusing to load a manifest no checksum covers'],
    ]);
    expect(registry!.health().map((h) => [h.model, h.status])).toEqual([
      ['lead_scorer', 'fallback'],
      ['property_matcher', 'serving'],
      ['churn_predictor', 'fallback'],
    ]);
  });

  it.each(['fp32', 'int8'] as const)('every shipped version passes its reference check in %s', async (precision) => {
    copyShippedVersion(dir, 'lead_scorer', '1.1.0');
    await make({ precision, versions: { ...LATEST, lead_scorer: '1.0.0' } }).start();
    await registry!.setPolicy('lead_scorer', '1.1.0');
    expect(failures()).toEqual([]);
    expect(registry!.health().map((h) => [h.model, h.status, h.version, h.precision])).toEqual([
      ['lead_scorer', 'serving', '1.1.0', precision],
      ['property_matcher', 'serving', '1.0.0', precision],
      ['churn_predictor', 'serving', '1.0.0', precision],
    ]);
  });

  it('refuses a version whose model returns NaN on some reference rows, though the one-row warm-up passes', async () => {
    const nanAbove = pageViewModel(1, -1 / 1.5, 'Sqrt'); // sqrt(1 - views / 1.5): NaN above 1.5
    expect(await scoreOfMinimumRow(nanAbove)).toBe(1);
    const { rows, count } = referenceRows(path.join(dir, 'lead_scorer', '1.0.0'));
    expect(Array.from({ length: count }, (_, i) => rows[i * WIDTH] as number).some((v) => v > 1.5)).toBe(true);
    await addBuiltVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', nanAbove, 'keep');
    await make().start();
    const [failed] = failures();
    expect(failed).toEqual(['lead_scorer', '1.1.0', 'MODEL_REFERENCE_MISMATCH', expect.stringMatching(/^lead_scorer 1\.1\.0: its reference row \d+ scored NaN, not a probability; refusing to serve it$/)]);
    expect(registry!.active('lead_scorer')?.version).toBe('1.0.0');
  });

  it('refuses a version whose model returns scores above 1 on some reference rows, though the one-row warm-up passes', async () => {
    const above = pageViewModel(0.5, 0.3); // 0.5 + 0.3 * views: above 1 past 1.67 views
    expect(await scoreOfMinimumRow(above)).toBe(0.5);
    await addBuiltVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', above, 'recompute');
    await make().start();
    expect(failures()).toEqual([['lead_scorer', '1.1.0', 'MODEL_REFERENCE_MISMATCH', expect.stringMatching(/^lead_scorer 1\.1\.0: its reference row \d+ scored 1\.\d+, not a probability; refusing to serve it$/)]]);
    expect(registry!.active('lead_scorer')?.version).toBe('1.0.0');
  });

  it('refuses a version whose scores differ from those recorded at training (score_column edited and the manifest resealed)', async () => {
    await make().start();
    const v = addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    editManifest(v, (m) => (m.outputs[0]!.score_column = 0));
    sealManifest(v);
    await expect(registry!.activate('lead_scorer', '1.1.0')).rejects.toMatchObject({
      code: 'MODEL_REFERENCE_MISMATCH',
      message: expect.stringMatching(/^lead_scorer 1\.1\.0: its scores on 256 reference rows differ from those recorded at training by up to [\d.]+ \(row \d+: [\d.e-]+ against [\d.e-]+; int8 tolerance 0\.001\); refusing to serve it$/),
    });
    expect(registry!.active('lead_scorer')?.version).toBe('1.0.0');
  });

  it('refuses a version whose reference rows were changed', async () => {
    const v = addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', () => undefined, true);
    const file = path.join(v, 'reference-rows.npy');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x01;
    fs.writeFileSync(file, bytes);
    await make().start();
    expect(failures()).toEqual([['lead_scorer', '1.1.0', 'MODEL_CHECKSUM_MISMATCH', expect.stringMatching(/^lead_scorer 1\.1\.0: reference-rows\.npy has sha256 [0-9a-f]{64} but the manifest says [0-9a-f]{64}; refusing to load it$/)]]);
  });
});
