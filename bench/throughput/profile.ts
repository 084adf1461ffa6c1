/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package or
 * source file, the largest first. `npx tsx bench/throughput/profile.ts <file.cpuprofile> [top] [stage]`.
 */
import fs from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a file of ours, or what V8 calls it. */
function owner(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/(src|dist|bench)\/(.+)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
}

/**
 * The stage a frame belongs to, for time spent in shared code (Buffer, GC aside): KafkaJS's
 * produce encoding is Buffer work called from its record encoders, so a sample is charged to the
 * nearest caller that names a stage.
 */
function stage(url: string): string | undefined {
  // The protocol's Encoder and Decoder serve every request: charged to the request that called them.
  if (/kafkajs\/src\/protocol\/(encoder|decoder)\.js/.test(url)) return undefined;
  if (/kafkajs\/src\/protocol\/(requests\/produce|recordBatch)/.test(url)) return 'KafkaJS: produce encoding';
  if (url.includes('kafkajs/src/protocol/requests/fetch')) return 'KafkaJS: fetch decoding';
  if (url.includes('kafkajs/src/')) return 'KafkaJS: other';
  if (/\/(src|dist)\/features\//.test(url)) return 'features (state, candidates, rows)';
  if (/\/(src|dist)\/process\//.test(url) || /\/(src|dist)\/consume\//.test(url)) return 'processor (merge, batch, commit)';
  if (/\/(src|dist)\/score\//.test(url) || /\/(src|dist)\/publish\//.test(url)) return 'outputs and headers';
  if (/\/(src|dist)\/state\//.test(url)) return 'state codec';
  if (url.includes('node_modules/avsc')) return 'Avro (avsc)';
  if (url.includes('rocksdb')) return 'RocksDB';
  return undefined;
}

export function summarise(profile: Profile, top: number, within?: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stages = new Map<string, number>();
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id) as ProfileNode;
    const f = n.callFrame;
    const o = owner(f.url, f.functionName);
    let at: number | undefined = id;
    let s: string | undefined;
    while (at !== undefined && s === undefined) {
      s = stage((byId.get(at) as ProfileNode).callFrame.url);
      at = parent.get(at);
    }
    const k = s ?? (f.functionName.startsWith('(') ? f.functionName : 'other');
    stages.set(k, (stages.get(k) ?? 0) + us);
    if (within !== undefined && !k.includes(within)) continue;
    const fn = `${f.functionName || '(anonymous)'} ${o}:${f.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    owners.set(o, (owners.get(o) ?? 0) + us);
  }
  const table = (m: Map<string, number>): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`)
      .join('\n');
  return `total ${(total / 1e6).toFixed(1)} s sampled\n\nby stage (shared code charged to its caller):\n${table(stages)}\n\nby package or file${within ? ` (stage ${within})` : ''}:\n${table(owners)}\n\nby function${within ? ` (stage ${within})` : ''}:\n${table(fns)}\n`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile.ts <file.cpuprofile> [top] [stage: functions of the stages whose name holds it]');
    process.exit(2);
  }
  process.stdout.write(summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 30), process.argv[4]));
}
