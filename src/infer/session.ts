import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ScorestreamError, errorMessage } from '../errors';
import type { ExecutionProvider, LoadedSession, ModelSignature, SessionOptions } from './types';

export interface OpenSession extends LoadedSession {
  readonly session: ort.InferenceSession;
  readonly signature: ModelSignature;
}

/**
 * ONNX Runtime writes its own log natively to the process's stderr, in ANSI colours, around our
 * one-JSON-line log: graph notes at WARNING ("Removing initializer", "VerifyEachNodeIsAssignedToAnEp",
 * nodes left on the CPU), thread-affinity complaints in containers at ERROR. Only FATAL is let
 * through: every failure that matters comes back as a failed load or run, which scorestream reports
 * in its own log (one line, the model and version named).
 */
const ORT_LOG_SEVERITY_FATAL = 4;

function sessionOptions(provider: ExecutionProvider, options: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: ORT_LOG_SEVERITY_FATAL,
  };
}

/**
 * The same for ONNX Runtime's environment (its default logger), which it creates with the first
 * session of the thread (the main thread's, or the inference worker's), reading `env.logLevel` then.
 */
function quietOrtEnvironment(): void {
  if (ort.env.logLevel !== 'fatal') ort.env.logLevel = 'fatal';
}

/**
 * Whether onnxruntime-node was installed with its CUDA provider (the default install here skips
 * it). Without the library there is nothing to try, and trying makes ONNX Runtime print a
 * multi-line native error; with it, a missing driver still fails the attempt and falls back.
 */
export function cudaProviderInstalled(): boolean {
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const dir = path.join(root, 'bin', `napi-v${process.versions.napi ?? '6'}`, process.platform, process.arch);
  const candidates = [dir, path.join(root, 'bin', 'napi-v6', process.platform, process.arch)];
  return candidates.some((d) => fs.existsSync(path.join(d, 'libonnxruntime_providers_cuda.so')));
}

/**
 * Creates a session from verified bytes. CUDA that is not installed (the CPU-only package, or no
 * driver) falls back to CPU and says so once, instead of failing the model.
 */
export async function openSession(model: Uint8Array, signature: ModelSignature, options: SessionOptions): Promise<OpenSession> {
  let session: ort.InferenceSession;
  let provider = options.provider;
  let providerFallback: string | undefined;
  if (provider === 'cuda' && !cudaProviderInstalled()) {
    provider = 'cpu';
    providerFallback = 'CUDA execution provider not installed (onnxruntime-node was installed with onnxruntime-node-install=skip); scoring on CPU';
  }
  quietOrtEnvironment();
  try {
    session = await ort.InferenceSession.create(model, sessionOptions(provider, options));
  } catch (err: unknown) {
    if (provider !== 'cuda') throw new ScorestreamError('MODEL_LOAD_FAILED', `ONNX Runtime could not load the model: ${errorMessage(err).split('\n')[0]}`, { cause: err });
    providerFallback = `CUDA execution provider unavailable (${errorMessage(err).split('\n')[0]}); scoring on CPU`;
    provider = 'cpu';
    try {
      session = await ort.InferenceSession.create(model, sessionOptions('cpu', options));
    } catch (cpuErr: unknown) {
      throw new ScorestreamError('MODEL_LOAD_FAILED', `ONNX Runtime could not load the model: ${errorMessage(cpuErr).split('\n')[0]}`, { cause: cpuErr });
    }
  }
  checkSignature(session, signature);
  return { session, signature, provider, ...(providerFallback === undefined ? {} : { providerFallback }) };
}

/** The graph must read and write exactly what the manifest says. */
function checkSignature(session: ort.InferenceSession, s: ModelSignature): void {
  const input = session.inputMetadata.find((m) => m.name === s.inputName);
  const output = session.outputMetadata.find((m) => m.name === s.outputName);
  const problems: string[] = [];
  if (!input || session.inputNames.length !== 1) problems.push(`inputs are [${session.inputNames.join(', ')}], manifest says [${s.inputName}]`);
  else if (!input.isTensor || input.type !== 'float32' || input.shape[1] !== s.features) {
    problems.push(`input ${s.inputName} is ${input.isTensor ? `${input.type} ${JSON.stringify(input.shape)}` : 'not a tensor'}, manifest says float32 [batch, ${s.features}]`);
  }
  if (!output) problems.push(`outputs are [${session.outputNames.join(', ')}], manifest says ${s.outputName}`);
  else if (!output.isTensor || output.type !== 'float32' || typeof output.shape[1] !== 'number' || output.shape[1] <= s.scoreColumn) {
    problems.push(`output ${s.outputName} is ${output.isTensor ? `${output.type} ${JSON.stringify(output.shape)}` : 'not a tensor'}, manifest needs float32 with column ${s.scoreColumn}`);
  }
  if (problems.length > 0) {
    void session.release();
    throw new ScorestreamError('MODEL_SIGNATURE_MISMATCH', `the model does not match its manifest: ${problems.join('; ')}`);
  }
}

export async function runSession(open: OpenSession, rows: Float32Array, count: number): Promise<Float32Array> {
  const { signature } = open;
  if (rows.length < count * signature.features) {
    throw new ScorestreamError('INFERENCE_FAILED', `${count} rows need ${count * signature.features} values, got ${rows.length}`);
  }
  const input = new ort.Tensor('float32', rows.subarray(0, count * signature.features), [count, signature.features]);
  const result = await open.session.run({ [signature.inputName]: input });
  const out = result[signature.outputName];
  if (!out || !(out.data instanceof Float32Array)) throw new ScorestreamError('INFERENCE_FAILED', `the model returned no float32 ${signature.outputName}`);
  const width = out.dims[1] ?? 1;
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) scores[i] = out.data[i * width + signature.scoreColumn] as number;
  return scores;
}
