import type { ErrorCode } from '../errors';
import type { LoadedSession, ModelSignature, SessionOptions } from './types';

/** Messages between WorkerInference and the inference worker thread. */
export type WorkerRequest =
  | { id: number; op: 'load'; key: string; model: Uint8Array; signature: ModelSignature; options: SessionOptions }
  | { id: number; op: 'run'; key: string; rows: Float32Array; count: number }
  | { id: number; op: 'release'; key: string };

export type WorkerResponse =
  | { id: number; ok: true; loaded?: LoadedSession; scores?: Float32Array }
  | { id: number; ok: false; code: ErrorCode; message: string };
