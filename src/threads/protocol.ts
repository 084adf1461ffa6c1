import type { Config } from '../config/schema';
import { ERROR_CODES, ScorestreamError, isScorestreamError, type ErrorCode } from '../errors';
import type { ModelName } from '../features/spec';

/** What a stream thread is started with (structured-cloned: data only). */
export interface ThreadData {
  /** 0-based; in log lines as `thread`, and in the Kafka client id. */
  readonly index: number;
  /** The configuration, with this thread's state.dir. */
  readonly config: Config;
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** Group and output topics when they are not the live ones (the benchmark's pipeline). */
  readonly mode?: { readonly groupId: string; readonly outputs?: Readonly<Record<ModelName, string>> };
  /** Post each committed batch's record count (the benchmark counts them). */
  readonly reportBatches: boolean;
}

/** Health and readiness of one thread, answered together: a probe asks every thread once. */
export interface ThreadHealth {
  readonly ready: boolean;
  readonly detail: { readonly ok: boolean; readonly error?: string; readonly partitions: readonly number[]; readonly models: readonly unknown[]; readonly stalled: readonly unknown[] };
}

export type ThreadRequest =
  | { readonly op: 'start' }
  | { readonly op: 'stop' }
  | { readonly op: 'health'; readonly id: number }
  | { readonly op: 'metrics'; readonly id: number }
  | { readonly op: 'reset-stages' }
  | { readonly op: 'set-model'; readonly id: number; readonly model: ModelName; readonly policy: string };

/** An error as it crosses the thread boundary: a ScorestreamError keeps its code (and so its exit code). */
export interface ThreadError {
  readonly code?: string;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ThreadMessage =
  | { readonly type: 'started' }
  | { readonly type: 'start-failed'; readonly error: ThreadError }
  | { readonly type: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: ThreadError }
  | { readonly type: 'fatal'; readonly error: ThreadError }
  | { readonly type: 'batch'; readonly records: number }
  | { readonly type: 'stopped' };

export function threadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  return { ...(isScorestreamError(err) ? { code: err.code } : {}), name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

/** The error again on this side: a ScorestreamError with its code, so the CLI's exit code is the same as with one thread. */
export function fromThreadError(e: ThreadError, thread: number): Error {
  if (e.code !== undefined && e.code in ERROR_CODES) return new ScorestreamError(e.code as ErrorCode, e.message);
  const err = new Error(`stream thread ${thread}: ${e.message}`);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
