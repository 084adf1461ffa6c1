import { createHash } from 'node:crypto';
import type { RocksLevel } from '@nxtedition/rocksdb';
import { RESULT_PREFIX } from '../state/store';

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

export class ResultCache {
  private readonly memory = new Map<string, { score: number; expiresAt: number }>();
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
      const e = this.memory.get(k);
      if (!e || e.expiresAt <= now) return undefined;
      this.memory.delete(k); // re-insert: most recently used last
      this.memory.set(k, e);
      return e.score;
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
      await this.db.batch(
        entries.map(([key, score]) => {
          const value = Buffer.alloc(12);
          value.writeBigUInt64BE(BigInt(expiresAt), 0);
          value.writeFloatBE(score, 8);
          return { type: 'put' as const, key, value };
        }),
      );
    }
  }

  private remember(key: string, score: number, expiresAt: number): void {
    this.memory.delete(key);
    this.memory.set(key, { score, expiresAt });
    while (this.memory.size > this.options.maxEntries) {
      const oldest = this.memory.keys().next().value;
      if (oldest === undefined) break;
      this.memory.delete(oldest);
    }
  }
}
