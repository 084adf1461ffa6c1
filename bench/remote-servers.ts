/**
 * Inference servers side by side, as the remote backend calls them: ModelInfer requests of
 * lead_scorer 1.1.0's static INT8 model through RemoteInference (gRPC, raw FP32), one at a time,
 * batch sizes 1 to 4,096, each for about 2 s after a warm-up; median and p99 per call and rows/s.
 * The servers must already serve `scorestream models export --format triton` of models/ (or the
 * same files under the same names and version numbers).
 *
 *   npx tsx bench/remote-servers.ts triton=grpc://127.0.0.1:8001 mlserver=grpc://127.0.0.1:8081
 */
import os from 'node:os';
import { RemoteInference } from '../src/infer/remote-inference';

const BATCHES = [1, 64, 512, 4096];
const SIGNATURE = { inputName: 'features', outputName: 'probabilities', features: 24, scoreColumn: 1 };

async function main(): Promise<void> {
  const servers = process.argv.slice(2).map((a) => a.split('=') as [string, string]);
  if (servers.length === 0) throw new Error('usage: remote-servers.ts name=grpc://host:port ...');
  const rows = Float32Array.from({ length: Math.max(...BATCHES) * 24 }, (_, i) => ((i * 7919) % 1000) / 250);
  console.log(`lead_scorer 1.1.0 (static INT8), ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}\n`);
  console.log('| server | batch | p50 ms | p99 ms | rows/s |\n| --- | ---: | ---: | ---: | ---: |');
  for (const [name, url] of servers) {
    const remote = new RemoteInference({ url, timeoutMs: 10_000, maxInFlight: 1, maxBatchRows: 4096 });
    await remote.load('m', new Uint8Array(), SIGNATURE, { provider: 'cpu', intraOpThreads: 1 }, { name: 'lead_scorer', version: '1.1.0' });
    for (const batch of BATCHES) {
      for (let i = 0; i < 20; i++) await remote.run('m', rows, batch);
      const lat: number[] = [];
      const start = performance.now();
      while (performance.now() - start < 2_000 || lat.length < 20) {
        const t0 = performance.now();
        await remote.run('m', rows, batch);
        lat.push(performance.now() - t0);
      }
      const elapsed = (performance.now() - start) / 1000;
      lat.sort((a, b) => a - b);
      const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number;
      console.log(`| ${name} | ${batch} | ${q(0.5).toFixed(2)} | ${q(0.99).toFixed(2)} | ${Math.round((lat.length * batch) / elapsed).toLocaleString('en-US')} |`);
    }
    await remote.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
