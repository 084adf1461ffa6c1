export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  readonly provider: ExecutionProvider;
  /** ONNX Runtime intra-op threads per session; 1 leaves the other core to Kafka and the event loop. */
  readonly intraOpThreads: number;
}

/** What the model reads and writes, from its manifest. */
export interface ModelSignature {
  readonly inputName: string;
  readonly outputName: string;
  readonly features: number;
  /** The output column holding the positive-class probability. */
  readonly scoreColumn: number;
}

/** Where a loaded model runs: an ONNX Runtime provider in this process, or an inference server. */
export type ServingProvider = ExecutionProvider | 'remote';

/** Which model version a session is, for an inference server that hosts many. */
export interface ModelIdentity {
  readonly name: string;
  /** x.y.z, as in models/. */
  readonly version: string;
}

export interface LoadedSession {
  /** The provider actually in use: `cpu` when CUDA was asked for but is not installed. */
  readonly provider: ServingProvider;
  /** Set when the requested provider could not be used. */
  readonly providerFallback?: string;
}

/**
 * Where inference runs: a worker thread in production (the event loop stays free while ONNX
 * Runtime computes), or the calling thread for comparison in benchmarks.
 */
export interface Inference {
  load(key: string, model: Uint8Array, signature: ModelSignature, options: SessionOptions, identity?: ModelIdentity): Promise<LoadedSession>;
  /** Scores `count` rows packed in `rows`; resolves with one score per row. */
  run(key: string, rows: Float32Array, count: number): Promise<Float32Array>;
  release(key: string): Promise<void>;
  close(): Promise<void>;
}
