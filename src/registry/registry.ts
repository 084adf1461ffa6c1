import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError, errorMessage, isScorestreamError } from '../errors';
import { MODEL_FEATURES, MODEL_NAMES, type ModelName } from '../features/spec';
import type { ExecutionProvider, Inference, ModelSignature, SessionOptions } from '../infer/types';
import { CircuitBreaker, type BreakerState } from './breaker';
import { discoverVersions } from './discover';
import { FALLBACK_VERSION, fallbackScores } from './fallback';
import { parseManifest, type ModelManifest } from './manifest';
import { externalDataTensors } from './onnx-external-data';

export type Precision = 'fp32' | 'int8';
export type PrecisionPolicy = 'auto' | Precision;
/** `latest`, or a pinned x.y.z version. */
export type VersionPolicy = string;
export type FallbackReason = 'model_unavailable' | 'breaker_open' | 'inference_error';

export interface RegistryOptions {
  readonly modelsDir: string;
  readonly versions: Readonly<Record<ModelName, VersionPolicy>>;
  /** `auto`: INT8 on CPU when the manifest shows its AUC within tolerance of fp32, else fp32. */
  readonly precision: PrecisionPolicy;
  readonly session: SessionOptions;
  readonly breaker: { readonly failureThreshold: number; readonly cooldownMs: number };
  readonly now?: () => number;
  readonly onEvent?: (event: RegistryEvent) => void;
}

export type RegistryEvent =
  | { type: 'loaded'; model: ModelName; version: string; precision: Precision; provider: ExecutionProvider; previous: string | null }
  | { type: 'load_failed'; model: ModelName; version: string; code: string; message: string }
  | { type: 'provider_fallback'; model: ModelName; version: string; message: string }
  | { type: 'breaker'; model: ModelName; state: BreakerState };

export interface ScoreResult {
  readonly scores: Float32Array;
  readonly model: ModelName;
  /** The model version that scored every row of this batch, or the fallback's version. */
  readonly version: string;
  /** SHA-256 of the ONNX file that scored; null when the fallback answered. */
  readonly sha256: string | null;
  readonly precision: Precision | 'rules';
  readonly fallback: FallbackReason | null;
}

export interface ModelHealth {
  readonly model: ModelName;
  readonly status: 'serving' | 'degraded' | 'fallback';
  readonly version: string | null;
  readonly precision: Precision | null;
  readonly provider: ExecutionProvider | null;
  readonly breaker: BreakerState;
  readonly lastError: string | null;
}

interface Loaded {
  readonly model: ModelName;
  readonly version: string;
  readonly sha256: string;
  readonly precision: Precision;
  readonly provider: ExecutionProvider;
  readonly key: string;
  inflight: number;
  retired: boolean;
}

interface Slot {
  active: Loaded | undefined;
  readonly breaker: CircuitBreaker;
  lastError: string | null;
  /** Swaps of one model run one after another. */
  swap: Promise<unknown>;
  /** Versions that failed to load, with the manifest's mtime, so `refresh` does not retry them forever. */
  readonly failed: Set<string>;
}

/** Without a listener, what an operator must know still reaches stderr, one line each. */
function defaultEventLog(e: RegistryEvent): void {
  const line =
    e.type === 'provider_fallback'
      ? `${e.model} ${e.version}: ${e.message}`
      : e.type === 'load_failed'
        ? `${e.model} ${e.version} refused (${e.code}): ${e.message}`
        : e.type === 'loaded'
          ? `${e.model} ${e.version} serving (${e.precision} on ${e.provider}${e.previous ? `, replacing ${e.previous}` : ''})`
          : `${e.model} circuit breaker ${e.state}`;
  process.stderr.write(`scorestream registry: ${line}\n`);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Discovers, verifies, loads, swaps and falls back. Each `score` call is answered wholly by one
 * version (or the fallback): a swap loads and warms the new version first, then switches, and the
 * old one is released once its in-flight batches are done.
 */
export class ModelRegistry {
  private readonly slots: Record<ModelName, Slot>;
  /** The version policy per model: from the options, changed by setPolicy (admin endpoint, reload). */
  private readonly policies: Record<ModelName, string>;
  private sequence = 0;

  constructor(
    private readonly options: RegistryOptions,
    private readonly inference: Inference,
  ) {
    this.slots = Object.fromEntries(
      MODEL_NAMES.map((model) => [
        model,
        {
          active: undefined,
          breaker: new CircuitBreaker({ ...options.breaker, ...(options.now ? { now: options.now } : {}) }, (state) => this.emit({ type: 'breaker', model, state })),
          lastError: null,
          swap: Promise.resolve(),
          failed: new Set<string>(),
        },
      ]),
    ) as Record<ModelName, Slot>;
    this.policies = { ...options.versions };
  }

  private emit(event: RegistryEvent): void {
    if (this.options.onEvent) this.options.onEvent(event);
    else defaultEventLog(event);
  }

  private candidates(model: ModelName): string[] {
    const policy = this.policies[model];
    return policy === 'latest' ? discoverVersions(this.options.modelsDir, model) : [policy];
  }

  /** Loads each model's version by policy; under `latest`, an older version serves if the newest fails. */
  async start(): Promise<void> {
    for (const model of MODEL_NAMES) {
      for (const version of this.candidates(model)) {
        try {
          await this.activate(model, version);
          break;
        } catch {
          // Recorded by activate (event and lastError); try the next version.
        }
      }
      if (!this.slots[model].active && this.slots[model].lastError === null) {
        this.slots[model].lastError = `no version of ${model} found in ${this.options.modelsDir}`;
      }
    }
  }

  /**
   * Loads, checks and warms `version`, then makes it the active one. If anything fails, the
   * version that was serving keeps serving and the error is thrown.
   */
  activate(model: ModelName, version: string): Promise<ScoreResult['version']> {
    const slot = this.slots[model];
    const run = slot.swap.then(async () => {
      let loaded: Loaded;
      try {
        loaded = await this.load(model, version);
      } catch (err: unknown) {
        const e = isScorestreamError(err) ? err : new ScorestreamError('MODEL_LOAD_FAILED', errorMessage(err), { cause: err });
        slot.lastError = e.message;
        slot.failed.add(this.failureKey(model, version));
        this.emit({ type: 'load_failed', model, version, code: e.code, message: e.message });
        throw e;
      }
      const previous = slot.active;
      slot.active = loaded;
      slot.lastError = null;
      this.emit({ type: 'loaded', model, version, precision: loaded.precision, provider: loaded.provider, previous: previous?.version ?? null });
      if (previous) await this.retire(previous);
      return version;
    });
    slot.swap = run.catch(() => undefined);
    return run;
  }

  /**
   * Puts each model on the version its policy now names: under `latest`, a newer version dropped
   * into the models directory; when pinned, the pinned one. A version that failed to load is not
   * tried again until its manifest changes; the one serving keeps serving.
   */
  async refresh(): Promise<void> {
    for (const model of MODEL_NAMES) {
      const policy = this.policies[model];
      const wanted = policy === 'latest' ? discoverVersions(this.options.modelsDir, model)[0] : policy;
      const slot = this.slots[model];
      if (wanted === undefined || wanted === slot.active?.version || slot.failed.has(this.failureKey(model, wanted))) continue;
      await this.activate(model, wanted).catch(() => undefined);
    }
  }

  /** Changes a model's version policy (`latest` or x.y.z) and applies it: resolves once the version serves, or throws why not. */
  async setPolicy(model: ModelName, policy: string): Promise<string> {
    this.policies[model] = policy;
    const wanted = policy === 'latest' ? discoverVersions(this.options.modelsDir, model)[0] : policy;
    if (wanted === undefined) throw new ScorestreamError('MODEL_NOT_FOUND', `no version of ${model} found in ${this.options.modelsDir}`);
    if (this.slots[model].active?.version === wanted) return wanted;
    return this.activate(model, wanted);
  }

  private failureKey(model: ModelName, version: string): string {
    try {
      return `${version}@${fs.statSync(path.join(this.options.modelsDir, model, version, 'manifest.json')).mtimeMs}`;
    } catch {
      return `${version}@missing`;
    }
  }

  private readManifest(model: ModelName, version: string): ModelManifest {
    const file = path.join(this.options.modelsDir, model, version, 'manifest.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err: unknown) {
      throw new ScorestreamError('MODEL_NOT_FOUND', `${model} ${version}: no manifest at ${file}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err: unknown) {
      throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${file}: not JSON (${errorMessage(err)})`, { cause: err });
    }
    const manifest = parseManifest(json, file);
    if (manifest.name !== model || manifest.version !== version) {
      throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${file} describes ${manifest.name} ${manifest.version}, not ${model} ${version}`);
    }
    const expected = MODEL_FEATURES[model].map((f) => f.name);
    const actual = manifest.features.map((f) => f.name);
    if (expected.join(',') !== actual.join(',')) {
      const at = expected.findIndex((n, i) => actual[i] !== n);
      throw new ScorestreamError(
        'MODEL_SIGNATURE_MISMATCH',
        `${model} ${version} was trained on other features than this code computes (first difference at #${at}: model ${actual[at] ?? 'none'}, code ${expected[at] ?? 'none'}); retrain it or run the matching scorestream`,
      );
    }
    return manifest;
  }

  private async load(model: ModelName, version: string): Promise<Loaded> {
    const manifest = this.readManifest(model, version);
    const precision: Precision =
      this.options.precision !== 'auto' ? this.options.precision : this.options.session.provider === 'cpu' && manifest.int8WithinTolerance ? 'int8' : 'fp32';
    const file = precision === 'int8' ? 'model.int8.onnx' : 'model.onnx';
    const entry = manifest.files[file];
    if (!entry) throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${model} ${version}: the manifest lists no ${file}`);
    const where = path.join(this.options.modelsDir, model, version, file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(fs.readFileSync(where));
    } catch (err: unknown) {
      throw new ScorestreamError('MODEL_NOT_FOUND', `${model} ${version}: cannot read ${where}`, { cause: err });
    }
    // The bytes that were checked are the bytes that are loaded: no second read to race with.
    const digest = sha256(bytes);
    if (digest !== entry.sha256) {
      throw new ScorestreamError('MODEL_CHECKSUM_MISMATCH', `${model} ${version}: ${file} has sha256 ${digest} but the manifest says ${entry.sha256}; refusing to load it`);
    }
    const external = externalDataTensors(bytes);
    if (external.length > 0) {
      throw new ScorestreamError('MODEL_EXTERNAL_DATA', `${model} ${version}: ${file} keeps tensor data outside the file (${external.slice(0, 3).join(', ')}); only self-contained models are loaded`);
    }
    const signature: ModelSignature = { inputName: manifest.input.name, outputName: manifest.output.name, features: manifest.input.features, scoreColumn: manifest.output.scoreColumn };
    const key = `${model}@${version}/${precision}#${++this.sequence}`;
    const session = await this.inference.load(key, bytes, signature, this.options.session);
    if (session.providerFallback) this.emit({ type: 'provider_fallback', model, version, message: session.providerFallback });
    // Warm up on an in-range row, and check that the model answers with a probability.
    const warm = Float32Array.from(manifest.features.map((f) => f.min));
    const probe = await this.inference.run(key, warm, 1).catch(async (err: unknown) => {
      await this.inference.release(key);
      throw new ScorestreamError('MODEL_LOAD_FAILED', `${model} ${version}: warm-up failed: ${errorMessage(err)}`, { cause: err });
    });
    const p = probe[0];
    if (p === undefined || !(p >= 0 && p <= 1)) {
      await this.inference.release(key);
      throw new ScorestreamError('MODEL_LOAD_FAILED', `${model} ${version}: warm-up returned ${String(p)}, not a probability`);
    }
    return { model, version, sha256: digest, precision, provider: session.provider, key, inflight: 0, retired: false };
  }

  private async retire(loaded: Loaded): Promise<void> {
    loaded.retired = true;
    if (loaded.inflight === 0) await this.inference.release(loaded.key);
  }

  /** Scores `count` rows of `model`'s features; never throws for model trouble: the fallback answers. */
  async score(model: ModelName, rows: Float32Array, count: number): Promise<ScoreResult> {
    const slot = this.slots[model];
    const active = slot.active;
    if (!active) return this.fallback(model, rows, count, 'model_unavailable');
    if (!slot.breaker.allow()) return this.fallback(model, rows, count, 'breaker_open');
    active.inflight++;
    try {
      const scores = await this.inference.run(active.key, rows, count);
      for (const s of scores) if (!(s >= 0 && s <= 1)) throw new ScorestreamError('INFERENCE_FAILED', `${model} ${active.version} returned ${s}, not a probability`);
      slot.breaker.success();
      return { scores, model, version: active.version, sha256: active.sha256, precision: active.precision, fallback: null };
    } catch (err: unknown) {
      slot.breaker.failure();
      slot.lastError = errorMessage(err);
      return this.fallback(model, rows, count, 'inference_error');
    } finally {
      active.inflight--;
      if (active.retired && active.inflight === 0) await this.inference.release(active.key).catch(() => undefined);
    }
  }

  private fallback(model: ModelName, rows: Float32Array, count: number, reason: FallbackReason): ScoreResult {
    return { scores: fallbackScores(model, rows, count), model, version: FALLBACK_VERSION, sha256: null, precision: 'rules', fallback: reason };
  }

  active(model: ModelName): { version: string; sha256: string; precision: Precision; provider: ExecutionProvider } | undefined {
    const a = this.slots[model].active;
    return a && { version: a.version, sha256: a.sha256, precision: a.precision, provider: a.provider };
  }

  health(): ModelHealth[] {
    return MODEL_NAMES.map((model) => {
      const slot = this.slots[model];
      const a = slot.active;
      const breaker = slot.breaker.state;
      return {
        model,
        status: !a ? 'fallback' : breaker === 'closed' ? 'serving' : 'degraded',
        version: a?.version ?? null,
        precision: a?.precision ?? null,
        provider: a?.provider ?? null,
        breaker,
        lastError: slot.lastError,
      };
    });
  }

  async close(): Promise<void> {
    for (const model of MODEL_NAMES) {
      const a = this.slots[model].active;
      this.slots[model].active = undefined;
      if (a) await this.inference.release(a.key).catch(() => undefined);
    }
    await this.inference.close();
  }
}
