import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ResultCache } from '../../../src/cache/result-cache';
import { StateStore } from '../../../src/state/store';

/** The result cache over real RocksDB. */
describe('ResultCache', () => {
  let root: string;
  let store: StateStore;
  let now: number;
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-cache-'));
    store = (await StateStore.open(path.join(root, 'db'))).store;
    now = 1_000;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const rows = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.1, 0.2]); // rows 0 and 2 are equal
  const keysOf = (c: ResultCache, version = '1.0.0'): string[] => c.keys('lead_scorer', version, 'ab'.repeat(32), rows, 3, 2);

  it('keys equal rows equally, and different versions differently', () => {
    const c = new ResultCache(store.db, { maxEntries: 10, ttlMs: 100, now: () => now });
    const k = keysOf(c);
    expect(k[0]).toBe(k[2]);
    expect(k[0]).not.toBe(k[1]);
    expect(keysOf(c, '1.1.0')[0]).not.toBe(k[0]);
  });

  it('answers from memory, then from RocksDB after a restart, until the TTL passes', async () => {
    const c = new ResultCache(store.db, { maxEntries: 10, ttlMs: 100, now: () => now });
    const k = keysOf(c);
    expect(await c.get(k)).toEqual([undefined, undefined, undefined]);
    await c.put([[k[0]!, 0.25], [k[1]!, 0.5]]);
    expect(await c.get(k)).toEqual([0.25, 0.5, 0.25]);

    const afterRestart = new ResultCache(store.db, { maxEntries: 10, ttlMs: 100, now: () => now });
    expect(await afterRestart.get([k[1]!])).toEqual([0.5]);
    now += 100;
    expect(await afterRestart.get([k[1]!])).toEqual([undefined]);
    expect([afterRestart.hits, afterRestart.misses]).toEqual([1, 1]);
  });

  it('keeps at most maxEntries in memory, dropping the least recently used', async () => {
    const c = new ResultCache(undefined, { maxEntries: 4, ttlMs: 1000, now: () => now });
    await c.put([['a', 0.1], ['b', 0.2]]);
    await c.get(['a']);
    await c.put([['c', 0.3]]);
    expect(await c.get(['a', 'b', 'c'])).toEqual([0.1, undefined, 0.3]);
  });

  it('does nothing when disabled', async () => {
    const c = new ResultCache(store.db, { maxEntries: 0, ttlMs: 1000 });
    await c.put([['a', 0.1]]);
    expect(await c.get(['a'])).toEqual([undefined]);
  });
});
