import fs from 'node:fs';
import path from 'node:path';
import { LEAD_FEATURES } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { ModelRegistry, type RegistryEvent, type RegistryOptions } from '../../../src/registry/registry';
import { addBuiltVersion, addVersion, LATEST, leadRows, scratchModels } from '../../helpers/models';
import { linearOnnx } from '../../helpers/onnx-graph';

/**
 * A version that passes every check before its switch and fails afterwards, on live rows, is
 * rolled back to the version it replaced (kept warm), not left to the rule-based fallback; the
 * `latest` poll does not switch to it again until its files change. Real ONNX Runtime and files.
 */

/** sqrt(1 - log_page_views_7d / 4): a probability on every reference row (at most 2.6), NaN above 4. */
const NAN_ABOVE_4 = linearOnnx({ weights: LEAD_FEATURES.map((_, i): [number, number] => [0, i === 0 ? -0.25 : 0]), bias: [0, 1], then: 'Sqrt' });

describe('ModelRegistry: rollback after a switch', () => {
  let dir: string;
  let events: RegistryEvent[];
  let now: number;
  let registry: ModelRegistry | undefined;
  const make = (overrides: Partial<RegistryOptions> = {}): ModelRegistry =>
    (registry = new ModelRegistry(
      {
        modelsDir: dir,
        versions: LATEST,
        precision: 'fp32',
        session: { provider: 'cpu', intraOpThreads: 1 },
        breaker: { failureThreshold: 3, cooldownMs: 10_000 },
        now: () => now,
        onEvent: (e) => events.push(e),
        ...overrides,
      },
      new MainThreadInference(),
    ));
  const of = <T extends RegistryEvent['type']>(type: T): Extract<RegistryEvent, { type: T }>[] =>
    events.filter((e): e is Extract<RegistryEvent, { type: T }> => e.type === type && e.model === 'lead_scorer');

  beforeEach(() => {
    dir = scratchModels();
    events = [];
    now = 0;
  });
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a version returning NaN on live rows after its switch is rolled back; the batch is scored by the previous version', async () => {
    await make().start();
    const live = leadRows([0, 1, 6, 2]); // 6 page views: NaN from 1.1.0
    const previous = await registry!.score('lead_scorer', live, 4);
    expect(previous).toMatchObject({ version: '1.0.0', fallback: null });

    await addBuiltVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', NAN_ABOVE_4, 'recompute');
    await registry!.refresh();
    expect(registry!.active('lead_scorer')?.version).toBe('1.1.0');
    expect((await registry!.score('lead_scorer', leadRows([0, 1, 2]), 3)).version).toBe('1.1.0');

    const r = await registry!.score('lead_scorer', live, 4);
    expect(r).toMatchObject({ version: '1.0.0', fallback: null, precision: 'fp32' });
    expect(Array.from(r.scores)).toEqual(Array.from(previous.scores));
    expect(of('rolled_back')).toEqual([
      { type: 'rolled_back', model: 'lead_scorer', from: '1.1.0', to: '1.0.0', reason: expect.stringMatching(/^lead_scorer 1\.1\.0 returned NaN, not a probability$/) },
    ]);
    expect(registry!.health()[0]).toMatchObject({ status: 'serving', version: '1.0.0', breaker: 'closed', lastError: expect.stringMatching(/rolled back to 1\.0\.0/) });

    // Not switched to again by the poll, nor by an explicit request, while its files are unchanged.
    await registry!.refresh();
    await expect(registry!.setPolicy('lead_scorer', '1.1.0')).rejects.toMatchObject({ message: expect.stringMatching(/^lead_scorer 1\.1\.0 was rolled back/) });
    expect(registry!.active('lead_scorer')?.version).toBe('1.0.0');
    expect(of('loaded').map((e) => e.version)).toEqual(['1.0.0', '1.1.0']);

    // Its files change (a fixed version is dropped in): the poll tries it again.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'lead_scorer', '1.1.0', 'model.onnx'), later, later);
    await registry!.refresh();
    expect(registry!.active('lead_scorer')?.version).toBe('1.1.0');
  });

  it('a version whose circuit breaker opens after its switch is rolled back', async () => {
    await make().start();
    addVersion(dir, 'lead_scorer', '1.0.0', '1.1.0');
    await registry!.refresh();
    expect(registry!.active('lead_scorer')?.version).toBe('1.1.0');
    const good = leadRows([0, 1]);
    const broken = good.subarray(0, 5); // fewer values than two rows need: the inference call fails
    for (let i = 0; i < 2; i++) expect((await registry!.score('lead_scorer', broken, 2)).fallback).toBe('inference_error');
    expect(of('rolled_back')).toEqual([]);
    await registry!.score('lead_scorer', broken, 2); // the third failure opens the breaker
    expect(of('rolled_back')).toEqual([{ type: 'rolled_back', model: 'lead_scorer', from: '1.1.0', to: '1.0.0', reason: expect.stringMatching(/circuit breaker opened/) }]);
    expect(await registry!.score('lead_scorer', good, 2)).toMatchObject({ version: '1.0.0', fallback: null });
    expect(registry!.health()[0]).toMatchObject({ version: '1.0.0', breaker: 'closed' });
  });

  it('after a restart under `latest`, the version below the newest is kept warm, so a failing newest is rolled back too', async () => {
    await addBuiltVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', NAN_ABOVE_4, 'recompute');
    await make().start();
    expect(registry!.active('lead_scorer')?.version).toBe('1.1.0');
    expect(await registry!.score('lead_scorer', leadRows([6]), 1)).toMatchObject({ version: '1.0.0', fallback: null });
    expect(of('rolled_back').map((e) => [e.from, e.to])).toEqual([['1.1.0', '1.0.0']]);
  });

  it('with nothing to roll back to, a failing version is left to its breaker and the fallback', async () => {
    await addBuiltVersion(dir, 'lead_scorer', '1.0.0', '1.1.0', NAN_ABOVE_4, 'recompute');
    await make({ versions: { ...LATEST, lead_scorer: '1.1.0' } }).start();
    expect(await registry!.score('lead_scorer', leadRows([6]), 1)).toMatchObject({ version: 'rules-1', fallback: 'inference_error' });
    expect(of('rolled_back')).toEqual([]);
  });
});
