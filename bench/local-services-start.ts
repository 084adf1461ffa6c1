/**
 * Cold start of the local services: from the JVM's spawn to the first answered request (Kafka:
 * metadata; registry: GET /subjects), with the artifacts already downloaded and verified, each
 * service alone and both together (as `services up` starts them). Median of N runs; each run
 * starts from stopped services with existing data directories.
 *
 *   npm run bench:services -- [runs=3]
 */
import os from 'node:os';
import { localServicesOptions } from '../src/local/options';
import { servicesDown, servicesUp } from '../src/local/services';
import type { ServiceName } from '../src/local/artifacts';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const options = localServicesOptions();
  await servicesDown(options);
  const scenarios: { label: string; names: ServiceName[] }[] = [
    { label: 'kafka alone', names: ['kafka'] },
    { label: 'registry alone', names: ['registry'] },
    { label: 'both (services up)', names: ['kafka', 'registry'] },
  ];
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; runs: ${runs}`);
  for (const { label, names } of scenarios) {
    const times = new Map<ServiceName, number[]>();
    for (let i = 0; i < runs; i++) {
      for (const s of await servicesUp(options, names)) {
        if (s.state !== 'started') throw new Error(`${s.label} was already running`);
        times.set(s.name, [...(times.get(s.name) ?? []), s.readySeconds]);
      }
      await servicesDown(options, names);
    }
    for (const [name, t] of times) {
      console.log(`${label.padEnd(20)} ${name.padEnd(9)} median ${median(t).toFixed(2)} s  (runs: ${t.map((x) => x.toFixed(2)).join(', ')})`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
