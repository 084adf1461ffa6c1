import fs from 'node:fs';
import path from 'node:path';
import { readNpyFloat32 } from '../../../src/features/npy';
import { MODEL_NAMES } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { WorkerInference } from '../../../src/infer/worker-inference';
import type { Inference, ModelSignature } from '../../../src/infer/types';
import { MODELS_DIR } from '../../helpers/models';

/**
 * Node (onnxruntime-node) must score exactly as Python (onnxruntime) did at training time: the
 * fixture holds 1,000 holdout rows and Python's scores in each precision, written by training/train.py.
 */
const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'parity');

const SHIPPED = MODEL_NAMES.flatMap((model) => fs.readdirSync(path.join(FIXTURES, model)).map((version) => [model, version] as const));

describe.each(SHIPPED)('%s %s: Node and Python agree', (model, version) => {
  const dir = path.join(FIXTURES, model, version);
  const x = readNpyFloat32(path.join(dir, 'X.npy'));
  const [count, width] = x.shape as [number, number];
  const signature: ModelSignature = { inputName: 'features', outputName: 'probabilities', features: width, scoreColumn: 1 };

  async function score(inference: Inference, file: string): Promise<Float32Array> {
    const bytes = new Uint8Array(fs.readFileSync(path.join(MODELS_DIR, model, version, file)));
    await inference.load('m', bytes, signature, { provider: 'cpu', intraOpThreads: 1 });
    try {
      return await inference.run('m', x.data, count);
    } finally {
      await inference.close();
    }
  }

  function maxAbsDiff(a: Float32Array, b: Float32Array): number {
    expect(a).toHaveLength(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
    return m;
  }

  it('fp32 within 1e-5 on 1,000 rows, on the main thread and in the worker', async () => {
    expect(count).toBe(1000);
    const python = readNpyFloat32(path.join(dir, 'fp32.npy')).data;
    expect(maxAbsDiff(await score(new MainThreadInference(), 'model.onnx'), python)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(await score(new WorkerInference(), 'model.onnx'), python)).toBeLessThanOrEqual(1e-5);
  });

  it('static INT8 within 1e-5 on 1,000 rows, on the main thread and in the worker', async () => {
    const python = readNpyFloat32(path.join(dir, 'int8-static.npy')).data;
    expect(maxAbsDiff(await score(new MainThreadInference(), 'model.int8-static.onnx'), python)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(await score(new WorkerInference(), 'model.int8-static.onnx'), python)).toBeLessThanOrEqual(1e-5);
  });

  it('static INT8 keeps the resolution of its scores: as many distinct values as fp32, give or take 5%', () => {
    const distinct = (file: string): number => new Set(readNpyFloat32(path.join(dir, file)).data).size;
    expect(distinct('int8-static.npy')).toBeGreaterThanOrEqual(0.95 * distinct('fp32.npy'));
  });

  it('dynamic INT8 within 1e-5 when scored as the same batch', async () => {
    const python = readNpyFloat32(path.join(dir, 'int8.npy')).data;
    expect(maxAbsDiff(await score(new WorkerInference(), 'model.int8.onnx'), python)).toBeLessThanOrEqual(1e-5);
  });

  /** Each of the first `n` rows scored alone, and the same rows as one batch. */
  async function aloneAndBatched(file: string, n: number): Promise<{ alone: Float32Array; batched: Float32Array }> {
    const inference = new MainThreadInference();
    await inference.load('m', new Uint8Array(fs.readFileSync(path.join(MODELS_DIR, model, version, file))), signature, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const rows = x.data.subarray(0, n * width);
      const alone = new Float32Array(n);
      for (let i = 0; i < n; i++) alone[i] = (await inference.run('m', rows.subarray(i * width, (i + 1) * width), 1))[0] as number;
      return { alone, batched: await inference.run('m', rows, n) };
    } finally {
      await inference.close();
    }
  }

  it('static INT8 scores a row bit for bit the same alone and in a batch of 512', async () => {
    const { alone, batched } = await aloneAndBatched('model.int8-static.onnx', 512);
    expect(Buffer.from(batched.buffer).equals(Buffer.from(alone.buffer))).toBe(true);
  });

  it('dynamic INT8 does not (why it is not served): its scores move with the batch', async () => {
    const { alone, batched } = await aloneAndBatched('model.int8.onnx', 512);
    expect(maxAbsDiff(alone, batched)).toBeGreaterThan(1e-4);
  });
});
