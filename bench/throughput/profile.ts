/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package or
 * source file, the largest first. `npx tsx bench/throughput/profile.ts <file.cpuprofile> [top]`.
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
  const ours = /\/(src|bench)\/(.+)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id) as ProfileNode;
    const f = n.callFrame;
    const o = owner(f.url, f.functionName);
    fns.set(`${f.functionName || '(anonymous)'} ${o}:${f.lineNumber + 1}`, (fns.get(`${f.functionName || '(anonymous)'} ${o}:${f.lineNumber + 1}`) ?? 0) + us);
    owners.set(o, (owners.get(o) ?? 0) + us);
  }
  const table = (m: Map<string, number>): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`)
      .join('\n');
  return `total ${(total / 1e6).toFixed(1)} s sampled\n\nby package or file:\n${table(owners)}\n\nby function:\n${table(fns)}\n`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  process.stdout.write(summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 30)));
}
