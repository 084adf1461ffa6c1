import fs from 'node:fs';
import path from 'node:path';
import { RocksLevel } from '@nxtedition/rocksdb';
import { ScorestreamError, errorMessage } from '../errors';
import type { LeadState } from '../features/lead-state';
import { decodeState, type EncodedState } from './codec';
import { writeBatch } from './write-batch';

/**
 * The local materialization of the lead-state changelog. Never the source of truth: each write
 * batch holds the states and the changelog offset they correspond to, so on start the store
 * knows how far it is, and a store that is missing, behind or unreadable is caught up (or rebuilt)
 * from the changelog. Keys: `s/<lead_id>` state, `c/<partition>` checkpoint, `r/...` result cache.
 */
const STATE = 's/';
const CHECKPOINT = 'c/';
export const RESULT_PREFIX = 'r/';

interface ErrorLike {
  readonly message: string;
  readonly code?: unknown;
  readonly cause?: unknown;
}

// Duck-typed, not instanceof: the native binding's errors may come from another realm (jest's vm).
const isErrorLike = (e: unknown): e is ErrorLike => typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';

/** An error and its causes: abstract-level wraps RocksDB's error in "Database is not open". */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e: unknown = err; isErrorLike(e) && out.length < 5; e = e.cause) out.push(e);
  return out;
}

/** RocksDB's own reason ("Corruption: CURRENT file corrupted"), the innermost cause, not the wrapper's message. */
const rocksReason = (err: unknown): string => chain(err).at(-1)?.message ?? errorMessage(err);

export interface OpenedStore {
  readonly store: StateStore;
  /** Why the previous directory was discarded, if it was. */
  readonly rebuilt?: string;
}

export class StateStore {
  private constructor(
    readonly db: RocksLevel,
    readonly dir: string,
  ) {}

  /**
   * Opens (creating) the store; a directory RocksDB cannot open is moved aside and started afresh.
   * Not one that another process holds (its lock), nor one that cannot be created: those are
   * configuration errors naming the directory, and nothing is moved.
   */
  static async open(dir: string): Promise<OpenedStore> {
    try {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
    } catch (err: unknown) {
      throw new ScorestreamError('CONFIG_INVALID', `the state directory ${dir} cannot be created (${rocksReason(err)}): set state.dir to a writable directory`, { cause: err });
    }
    const first = new RocksLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    try {
      await first.open({ createIfMissing: true });
      return { store: new StateStore(first, dir) };
    } catch (err: unknown) {
      const reason = rocksReason(err);
      if (chain(err).some((e) => e.code === 'LEVEL_LOCKED')) {
        throw new ScorestreamError('CONFIG_INVALID', `the state directory ${dir} is in use by another process (RocksDB: ${reason}): give each instance its own state.dir`, { cause: err });
      }
      if (!fs.existsSync(dir)) throw new ScorestreamError('CONFIG_INVALID', `the state directory ${dir} cannot be created (RocksDB: ${reason}): set state.dir to a writable directory`, { cause: err });
      const aside = `${dir}.corrupt-${Date.now()}`;
      fs.renameSync(dir, aside);
      const db = new RocksLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open({ createIfMissing: true });
      return { store: new StateStore(db, dir), rebuilt: `RocksDB could not open ${dir} (${reason}); moved it to ${aside} and will restore from the changelog` };
    }
  }

  async getStates(leadIds: readonly string[]): Promise<(LeadState | undefined)[]> {
    if (leadIds.length === 0) return [];
    const values = await this.db.getMany(leadIds.map((id) => STATE + id));
    return values.map((v) => (v === undefined ? undefined : decodeState(v)));
  }

  /**
   * The changelog offset (of `partition`) the store has applied up to, exclusive; undefined when
   * there is none or it cannot be read (then everything is replayed from the start).
   */
  async checkpoint(partition: number): Promise<bigint | undefined> {
    // getMany answers undefined for a missing key; get would throw.
    const [raw] = await this.db.getMany([CHECKPOINT + partition]);
    if (raw === undefined) return undefined;
    const text = raw.toString('utf8');
    return /^\d+$/.test(text) ? BigInt(text) : undefined;
  }

  /** One atomic write: the states (as the changelog holds them) and the changelog position they bring the store to. */
  async apply(partition: number, states: readonly EncodedState[], nextChangelogOffset: bigint): Promise<void> {
    await writeBatch(this.db, [
      ...states.map((s) => ({ key: STATE + s.leadId, value: s.bytes })),
      { key: CHECKPOINT + partition, value: Buffer.from(nextChangelogOffset.toString()) },
    ]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
