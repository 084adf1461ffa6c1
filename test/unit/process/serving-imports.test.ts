import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../../../src');
const SYNTH = path.join(SRC, 'synth') + path.sep;

/** Every src file the module at `entry` loads, following relative imports (types included). */
function importGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), m[1] as string);
      const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (resolved) pending.push(resolved);
    }
  }
  return seen;
}

describe('the serving code', () => {
  it('does not load the synthetic city: area centres come from the property table', () => {
    const graph = importGraph(path.join(SRC, 'process', 'processor.ts'));
    expect(graph.size).toBeGreaterThan(20);
    expect([...graph].filter((f) => f.startsWith(SYNTH)).map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
