import { createHash } from 'node:crypto';
import type { RocksLevel } from '@nxtedition/rocksdb';
import { RESULT_PREFIX } from '../state/store';
import { writeBatch } from '../state/write-batch';

/**
 * Scores already computed for the same (model, version, file, feature row): an in-memory LRU in
 * front of RocksDB, with a TTL. Pure and recomputable: losing it changes nothing but speed, so
 * it is written outside the Kafka transaction. Fallback scores are never cached.
 */
export interface CacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly now?: () => number;
}

interface Entry {
  readonly score: number;
  readonly expiresAt: number;
}

export class ResultCache {
  /**
   * A two-generation LRU: entries go into `current`; when it holds half the capacity it becomes
   * `previous` (whose entries are dropped), and a hit in `previous` moves back into `current`.
   * Every operation is O(1). The textbook Map LRU (evict `keys().next()`) is not: on a Map at
   * capacity, V8 skips every entry deleted since the last rehash, and profiling the processor
   * showed 43 of 65 s of main-thread time spent there.
   */
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: RocksLevel | undefined,
    private readonly options: CacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /** One key per row: the model identity and a hash of the row's exact bytes. */
  keys(model: string, version: string, sha256: string, rows: Float32Array, count: number, width: number): string[] {
    const prefix = `${RESULT_PREFIX}${model}|${version}|${sha256.slice(0, 16)}|`;
    const bytes = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      out.push(prefix + createHash('sha1').update(bytes.subarray(i * width * 4, (i + 1) * width * 4)).digest('base64'));
    }
    return out;
  }

  /** Cached scores, undefined where there is none (or it expired). */
  async get(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (!this.enabled) return keys.map(() => undefined);
    const now = this.now();
    const out: (number | undefined)[] = keys.map((k) => {
      const e = this.lookup(k);
      return e && e.expiresAt > now ? e.score : undefined;
    });
    const missing = keys.flatMap((k, i) => (out[i] === undefined ? [i] : []));
    if (this.db && missing.length > 0) {
      const values = await this.db.getMany(missing.map((i) => keys[i] as string));
      values.forEach((v, j) => {
        if (!v || v.length !== 12) return;
        const expiresAt = Number(v.readBigUInt64BE(0));
        if (expiresAt <= now) return;
        const i = missing[j] as number;
        out[i] = v.readFloatBE(8);
        this.remember(keys[i] as string, out[i] as number, expiresAt);
      });
    }
    for (const v of out) {
      if (v === undefined) this.misses++;
      else this.hits++;
    }
    return out;
  }

  async put(entries: readonly (readonly [string, number])[]): Promise<void> {
    if (!this.enabled || entries.length === 0) return;
    const expiresAt = this.now() + this.options.ttlMs;
    for (const [k, score] of entries) this.remember(k, score, expiresAt);
    if (this.db) {
      await writeBatch(
        this.db,
        entries.map(([key, score]) => {
          const value = Buffer.alloc(12);
          value.writeBigUInt64BE(BigInt(expiresAt), 0);
          value.writeFloatBE(score, 8);
          return { key, value };
        }),
      );
    }
  }

  private lookup(key: string): Entry | undefined {
    const hot = this.current.get(key);
    if (hot) return hot;
    const cold = this.previous.get(key);
    if (cold) {
      this.previous.delete(key);
      this.remember(key, cold.score, cold.expiresAt);
    }
    return cold;
  }

  private remember(key: string, score: number, expiresAt: number): void {
    this.current.set(key, { score, expiresAt });
    if (this.current.size >= Math.max(1, Math.ceil(this.options.maxEntries / 2))) {
      this.previous = this.current;
      this.current = new Map();
    }
  }
}
