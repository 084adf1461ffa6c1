/**
 * Inference latency and throughput of the shipped models through onnxruntime-node: batch sizes
 * 1, 32, 256 and 1024; fp32, static INT8 (served by default) and dynamic INT8 side by side; on the
 * main thread vs through the worker thread
 * (which adds a message round trip and a copy, and frees the event loop). Each cell: warm-up,
 * then calls for ~1 s; repeated `reps` times; the table shows medians over repetitions of the
 * per-call median and p99 latency and of rows/s. One intra-op thread, as in production.
 *
 *   npm run bench:inference -- [reps=3] [model=lead_scorer]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_FEATURES, type ModelName } from '../src/features/spec';
import { MainThreadInference } from '../src/infer/main-thread-inference';
import type { Inference } from '../src/infer/types';
import { WorkerInference } from '../src/infer/worker-inference';

const BATCHES = [1, 32, 256, 1024];
/** Each precision's file in a version directory, as training writes them. */
const FILES = { fp32: 'model.onnx', 'int8-static': 'model.int8-static.onnx', 'int8-dynamic': 'model.int8.onnx' } as const;
const ROOT = path.resolve(__dirname, '..');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

function rowsFor(model: ModelName, n: number): Float32Array {
  const spec = MODEL_FEATURES[model];
  const out = new Float32Array(n * spec.length);
  let s = 7;
  for (let i = 0; i < n; i++) {
    spec.forEach((f, j) => {
      s = (s * 16807) % 2147483647;
      out[i * spec.length + j] = f.min + (s / 2147483647) * Math.min(f.max - f.min, 5);
    });
  }
  return out;
}

async function cell(inference: Inference, key: string, rows: Float32Array, batch: number): Promise<{ p50: number; p99: number; rowsPerSec: number; calls: number }> {
  for (let i = 0; i < 30; i++) await inference.run(key, rows, batch);
  const lat: number[] = [];
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9 || lat.length < 30) {
    const t0 = process.hrtime.bigint();
    await inference.run(key, rows, batch);
    const t1 = process.hrtime.bigint();
    lat.push(Number(t1 - t0) / 1e6);
    elapsed = Number(t1 - start);
  }
  lat.sort((a, b) => a - b);
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), rowsPerSec: (lat.length * batch) / (elapsed / 1e9), calls: lat.length };
}

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? 3);
  const model = (process.argv[3] ?? 'lead_scorer') as ModelName;
  const spec = MODEL_FEATURES[model];
  const rows = rowsFor(model, Math.max(...BATCHES));
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`${model} (${spec.length} features), ${machine}, ${reps} repetitions`);
  const results = [];
  for (const [precision, name] of Object.entries(FILES)) {
    const file = path.join(ROOT, 'models', model, '1.0.0', name);
    const bytes = new Uint8Array(fs.readFileSync(file));
    for (const where of ['main', 'worker'] as const) {
      for (const batch of BATCHES) {
        const runs = [];
        for (let r = 0; r < reps; r++) {
          const inference: Inference = where === 'main' ? new MainThreadInference() : new WorkerInference();
          await inference.load('m', bytes, { inputName: 'features', outputName: 'probabilities', features: spec.length, scoreColumn: 1 }, { provider: 'cpu', intraOpThreads: 1 });
          runs.push(await cell(inference, 'm', rows, batch));
          await inference.close();
        }
        const row = {
          precision,
          thread: where,
          batch,
          p50_ms: median(runs.map((x) => x.p50)),
          p99_ms: median(runs.map((x) => x.p99)),
          rows_per_s: median(runs.map((x) => x.rowsPerSec)),
          runs,
        };
        results.push(row);
        console.log(`${precision.padEnd(12)} ${where.padEnd(7)} batch ${String(batch).padStart(5)}  p50 ${row.p50_ms.toFixed(3)} ms  p99 ${row.p99_ms.toFixed(3)} ms  ${Math.round(row.rows_per_s).toLocaleString('en-US')} rows/s`);
      }
    }
  }
  const out = path.join(ROOT, 'bench', 'results', `inference-${model}.json`);
  fs.writeFileSync(out, `${JSON.stringify({ model, version: '1.0.0', machine, reps, onnxruntime: (JSON.parse(fs.readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version, results }, null, 2)}\n`);
  console.log(`written ${path.relative(ROOT, out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
