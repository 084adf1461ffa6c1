import fs from 'node:fs';
import path from 'node:path';
import { LEAD_FEATURES } from '../../../src/features/spec';
import { MainThreadInference } from '../../../src/infer/main-thread-inference';
import { WorkerInference } from '../../../src/infer/worker-inference';
import type { ModelSignature } from '../../../src/infer/types';
import { MODELS_DIR } from '../../helpers/models';

const signature: ModelSignature = { inputName: 'features', outputName: 'probabilities', features: LEAD_FEATURES.length, scoreColumn: 1 };
const model = new Uint8Array(fs.readFileSync(path.join(MODELS_DIR, 'lead_scorer', '1.0.0', 'model.onnx')));

function randomRows(n: number): Float32Array {
  const out = new Float32Array(n * LEAD_FEATURES.length);
  let s = 1;
  for (let i = 0; i < out.length; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = (s / 2147483647) * 3;
  }
  return out;
}

describe('WorkerInference', () => {
  it('gives the same scores as the main thread', async () => {
    const rows = randomRows(512);
    const main = new MainThreadInference();
    const worker = new WorkerInference();
    try {
      await main.load('m', model, signature, { provider: 'cpu', intraOpThreads: 1 });
      await worker.load('m', model, signature, { provider: 'cpu', intraOpThreads: 1 });
      expect(Array.from(await worker.run('m', rows, 512))).toEqual(Array.from(await main.run('m', rows, 512)));
    } finally {
      await main.close();
      await worker.close();
    }
  });

  it('keeps the event loop free while a large batch is scored', async () => {
    const worker = new WorkerInference();
    const rows = randomRows(400_000);
    try {
      await worker.load('m', model, signature, { provider: 'cpu', intraOpThreads: 1 });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const scores = await worker.run('m', rows, 400_000);
      clearInterval(timer);
      expect(scores).toHaveLength(400_000);
      // On the main thread `run` would hold the loop for the whole batch and no timer could fire.
      expect(ticks).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });

  it('asks for CUDA, and falls back to CPU with a reason where it is not installed', async () => {
    const worker = new WorkerInference();
    try {
      const loaded = await worker.load('m', model, signature, { provider: 'cuda', intraOpThreads: 1 });
      if (loaded.provider === 'cuda') return; // a GPU machine with the CUDA build: nothing to fall back from
      expect(loaded.providerFallback).toMatch(/^CUDA execution provider (unavailable \(.+\)|not installed \(.+\)); scoring on CPU$/);
      expect((await worker.run('m', randomRows(2), 2))).toHaveLength(2);
    } finally {
      await worker.close();
    }
  });
});
