import { ScorestreamError, errorMessage, isScorestreamError } from '../errors';
import { MODEL_FEATURES, MODEL_NAMES, type ModelName } from '../features/spec';
import type { Inference, ModelSignature, ServingProvider, SessionOptions } from '../infer/types';
import { CircuitBreaker, type BreakerState } from './breaker';
import { discoverVersions } from './discover';
import { FALLBACK_VERSION, fallbackScores } from './fallback';
import type { ModelManifest } from './manifest';
import { externalDataTensors } from './onnx-external-data';
import { choosePrecision, precisionFiles, referenceScoresFile, type Precision, type PrecisionPolicy } from './precision';
import { maxAbsDiff, parseNpyFloat32, referenceProblem, referenceTolerance } from './reference';
import { VersionFiles } from './version-files';

export type { Precision, PrecisionPolicy } from './precision';
/** `latest`, or a pinned x.y.z version. */
export type VersionPolicy = string;
/** `remote_unavailable`: the inference server did not answer (down, slow, or without the version ready). */
export type FallbackReason = 'model_unavailable' | 'breaker_open' | 'inference_error' | 'remote_unavailable';

export interface RegistryOptions {
  readonly modelsDir: string;
  readonly versions: Readonly<Record<ModelName, VersionPolicy>>;
  /** `auto`: static INT8 on CPU when the manifest shows it batch-independent and its AUC within 0.003 of fp32, else fp32. */
  readonly precision: PrecisionPolicy;
  readonly session: SessionOptions;
  readonly breaker: { readonly failureThreshold: number; readonly cooldownMs: number };
  readonly now?: () => number;
  readonly onEvent?: (event: RegistryEvent) => void;
  /**
   * With a remote backend: ONNX Runtime in this process, loaded with each version (and checked on
   * its reference rows) so that it answers, marked remote_unavailable, while the server does not.
   */
  readonly localFallback?: Inference;
}

export type RegistryEvent =
  | { type: 'loaded'; model: ModelName; version: string; precision: Precision; provider: ServingProvider; previous: string | null }
  | { type: 'load_failed'; model: ModelName; version: string; code: string; message: string }
  /** A version that failed in service was replaced by the one it had replaced, kept warm for this. */
  | { type: 'rolled_back'; model: ModelName; from: string; to: string; reason: string }
  | { type: 'provider_fallback'; model: ModelName; version: string; message: string }
  /** `auto` serves this version in fp32 rather than INT8, and why. */
  | { type: 'precision_fp32'; model: ModelName; version: string; reason: string }
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
  readonly provider: ServingProvider | null;
  /** The version kept warm to roll back to, if any. */
  readonly standby: string | null;
  readonly breaker: BreakerState;
  readonly lastError: string | null;
}

interface Loaded {
  readonly model: ModelName;
  readonly version: string;
  readonly sha256: string;
  readonly precision: Precision;
  readonly provider: ServingProvider;
  readonly key: string;
  /** Loaded into options.localFallback under `key` as well. */
  readonly local: boolean;
  inflight: number;
  retired: boolean;
}

interface Slot {
  active: Loaded | undefined;
  /** The version `active` replaced, kept loaded and warm: a failing `active` is rolled back to it at once. */
  standby: Loaded | undefined;
  readonly breaker: CircuitBreaker;
  lastError: string | null;
  /** Swaps of one model run one after another. */
  swap: Promise<unknown>;
  /** Versions that failed to load, keyed with the state of their files, so `refresh` does not retry them until those change. */
  readonly failed: Set<string>;
  /** Versions rolled back after failing in service, keyed the same way, with why: not switched to again until their files change. */
  readonly rolledBack: Map<string, string>;
  /** The inference server did not answer the last request or load of this model. */
  serverDown: boolean;
}

/** Without a listener, what an operator must know still reaches stderr, one line each. */
function defaultEventLog(e: RegistryEvent): void {
  const line =
    e.type === 'provider_fallback'
      ? `${e.model} ${e.version}: ${e.message}`
      : e.type === 'load_failed'
        ? `${e.model} ${e.version} refused (${e.code}): ${e.message}`
        : e.type === 'rolled_back'
          ? `${e.model} ${e.from} rolled back to ${e.to}: ${e.reason}`
          : e.type === 'precision_fp32'
          ? `${e.model} ${e.version} serves fp32, not INT8: ${e.reason}`
          : e.type === 'loaded'
          ? `${e.model} ${e.version} serving (${e.precision} on ${e.provider}${e.previous ? `, replacing ${e.previous}` : ''})`
          : `${e.model} circuit breaker ${e.state}`;
  process.stderr.write(`scorestream registry: ${line}\n`);
}

/**
 * Discovers, verifies, loads, swaps, rolls back and falls back. Each `score` call is answered
 * wholly by one version (or the fallback): a swap verifies, loads and warms the new version first
 * (checksums of the manifest and of every file used, the signature, and the scores of the
 * version's reference rows against those recorded at training), then switches. The version it
 * replaced stays loaded as the standby: if the new one fails in service (a score that is not a
 * probability, or its breaker opening), the standby serves again at once and the failed version is
 * not switched to again until its files change. A standby that is replaced is released once its
 * in-flight batches are done.
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
          standby: undefined,
          lastError: null,
          swap: Promise.resolve(),
          failed: new Set<string>(),
          rolledBack: new Map<string, string>(),
          serverDown: false,
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

  /**
   * Loads each model's version by policy; under `latest`, an older version serves if the newest
   * fails, and the next older one that loads is kept warm as the standby, so that a newest version
   * that fails in service is rolled back after a restart too.
   */
  async start(): Promise<void> {
    for (const model of MODEL_NAMES) {
      const slot = this.slots[model];
      const candidates = this.candidates(model);
      let next = 0;
      while (next < candidates.length && !slot.active) {
        await this.activate(model, candidates[next++] as string).catch(() => undefined); // recorded by activate
      }
      if (slot.active && this.policies[model] === 'latest') {
        for (const version of candidates.slice(next)) {
          try {
            slot.standby = await this.load(model, version);
            break;
          } catch (err: unknown) {
            this.loadFailed(model, version, err);
          }
        }
      }
      if (!slot.active && slot.lastError === null) slot.lastError = `no version of ${model} found in the models directory`;
    }
  }

  /** Records why `version` did not load (event, lastError, not retried until its files change); returns the error. */
  private loadFailed(model: ModelName, version: string, err: unknown): ScorestreamError {
    const slot = this.slots[model];
    const e = isScorestreamError(err) ? err : new ScorestreamError('MODEL_LOAD_FAILED', `${model} ${version}: ${errorMessage(err)}`, { cause: err });
    slot.lastError = e.message;
    // A server that did not answer says nothing of the version: it is tried again at the next refresh.
    slot.serverDown = e.code === 'REMOTE_UNAVAILABLE';
    if (!slot.serverDown) slot.failed.add(this.filesKey(model, version));
    this.emit({ type: 'load_failed', model, version, code: e.code, message: e.message });
    return e;
  }

  /**
   * Loads, checks and warms `version`, then makes it the active one; the one it replaces becomes
   * the standby. If anything fails, the version that was serving keeps serving and the error is thrown.
   */
  activate(model: ModelName, version: string): Promise<ScoreResult['version']> {
    const slot = this.slots[model];
    const run = slot.swap.then(async () => {
      let loaded: Loaded;
      try {
        loaded = await this.load(model, version);
      } catch (err: unknown) {
        throw this.loadFailed(model, version, err);
      }
      const previous = slot.active;
      const dropped = previous ? slot.standby : undefined;
      slot.active = loaded;
      if (previous) slot.standby = previous;
      slot.lastError = null;
      slot.breaker.reset(); // a new version starts with a clean record
      this.emit({ type: 'loaded', model, version, precision: loaded.precision, provider: loaded.provider, previous: previous?.version ?? null });
      if (dropped) await this.retire(dropped);
      return version;
    });
    slot.swap = run.catch(() => undefined);
    return run;
  }

  /**
   * Puts each model on the version its policy now names: under `latest`, a newer version dropped
   * into the models directory; when pinned, the pinned one. A version that failed to load, or was
   * rolled back, is not tried again until its files change; the one serving keeps serving.
   */
  async refresh(): Promise<void> {
    for (const model of MODEL_NAMES) {
      const policy = this.policies[model];
      const wanted = policy === 'latest' ? discoverVersions(this.options.modelsDir, model)[0] : policy;
      const slot = this.slots[model];
      if (wanted === undefined || wanted === slot.active?.version) continue;
      const key = this.filesKey(model, wanted);
      if (slot.failed.has(key) || slot.rolledBack.has(key)) continue;
      await this.activate(model, wanted).catch(() => undefined);
    }
  }

  /**
   * Changes a model's version policy (`latest` or x.y.z) and applies it: resolves once the version
   * serves, or throws why not and changes nothing (the policy stays as it was, so a `latest`
   * policy keeps following new versions after a failed request).
   */
  async setPolicy(model: ModelName, policy: string): Promise<string> {
    const wanted = policy === 'latest' ? discoverVersions(this.options.modelsDir, model)[0] : policy;
    if (wanted === undefined) throw new ScorestreamError('MODEL_NOT_FOUND', `no version of ${model} found in the models directory`);
    const rolledBack = this.slots[model].rolledBack.get(this.filesKey(model, wanted));
    if (rolledBack !== undefined) {
      throw new ScorestreamError('MODEL_LOAD_FAILED', `${model} ${wanted} was rolled back after it failed in service (${rolledBack}); it is not served again until its files change`);
    }
    if (this.slots[model].active?.version !== wanted) await this.activate(model, wanted);
    this.policies[model] = policy;
    return wanted;
  }

  /** A version as its files are now: refusals are remembered by this, so changed files are tried again. */
  private filesKey(model: ModelName, version: string): string {
    return `${version}@${new VersionFiles(this.options.modelsDir, model, version).state()}`;
  }

  private checkFeatures(model: ModelName, version: string, manifest: ModelManifest): void {
    const expected = MODEL_FEATURES[model].map((f) => f.name);
    const actual = manifest.features.map((f) => f.name);
    if (expected.join(',') !== actual.join(',')) {
      const at = expected.findIndex((n, i) => actual[i] !== n);
      throw new ScorestreamError(
        'MODEL_SIGNATURE_MISMATCH',
        `${model} ${version} was trained on other features than this code computes (first difference at #${at}: model ${actual[at] ?? 'none'}, code ${expected[at] ?? 'none'}); retrain it or run the matching scorestream`,
      );
    }
  }

  private async load(model: ModelName, version: string): Promise<Loaded> {
    const files = new VersionFiles(this.options.modelsDir, model, version);
    const manifest = files.manifest();
    if (manifest.name !== model || manifest.version !== version) {
      throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${model} ${version}: its manifest describes ${manifest.name} ${manifest.version}`);
    }
    this.checkFeatures(model, version, manifest);
    const choice = choosePrecision(this.options.precision, manifest, this.options.session.provider);
    const precision = choice.precision;
    const { model: file, referenceScores } = precisionFiles(manifest, precision, `${model} ${version}`);
    // The bytes that were checked are the bytes that are loaded: no second read to race with.
    const { bytes, sha256: digest } = files.file(manifest, file);
    const external = externalDataTensors(bytes);
    if (external.length > 0) {
      throw new ScorestreamError('MODEL_EXTERNAL_DATA', `${model} ${version}: ${file} keeps tensor data outside the file (${external.slice(0, 3).join(', ')}); only self-contained models are loaded`);
    }
    const reference = this.referenceRows(files, manifest, referenceScores);
    const signature: ModelSignature = { inputName: manifest.input.name, outputName: manifest.output.name, features: manifest.input.features, scoreColumn: manifest.output.scoreColumn };
    const key = `${model}@${version}/${precision}#${++this.sequence}`;
    const session = await this.inference.load(key, bytes, signature, this.options.session, { name: model, version });
    if (session.providerFallback) this.emit({ type: 'provider_fallback', model, version, message: session.providerFallback });
    // Warm up on the version's reference rows, as one batch as at training: every score must be a
    // probability, close to the one recorded then for this precision.
    const scores = await this.inference.run(key, reference.rows, reference.count).catch(async (err: unknown) => {
      await this.inference.release(key);
      if (isScorestreamError(err) && err.code === 'REMOTE_UNAVAILABLE') throw err;
      throw new ScorestreamError('MODEL_LOAD_FAILED', `${model} ${version}: warm-up failed: ${errorMessage(err)}`, { cause: err });
    });
    if (session.provider === 'remote') {
      // A server's model is not the file checked here: scores nearer the other precision's than
      // this one's mean the server hosts the export of the other precision.
      const other: Precision = precision === 'int8' ? 'fp32' : 'int8';
      const otherFile = referenceScoresFile(manifest, other);
      const otherScores = otherFile === undefined ? undefined : parseNpyFloat32(files.file(manifest, otherFile).bytes, `${model} ${version}: ${otherFile}`).data;
      if (otherScores !== undefined && maxAbsDiff(scores, otherScores) < maxAbsDiff(scores, reference.scores)) {
        await this.inference.release(key);
        throw new ScorestreamError('MODEL_SERVER_MISMATCH', `${model} ${version}: the server's scores of the reference rows are those of the ${other} model, not ${precision}: export the models with the precision this processor serves (models.precision)`);
      }
    }
    const problem = referenceProblem(scores, reference.scores, referenceTolerance(precision, session.provider), precision);
    if (problem) {
      await this.inference.release(key);
      throw new ScorestreamError('MODEL_REFERENCE_MISMATCH', `${model} ${version}: ${problem}; refusing to serve it`);
    }
    const local = this.options.localFallback !== undefined && (await this.loadLocalFallback(model, version, key, bytes, signature, reference, precision));
    if (choice.why !== undefined) this.emit({ type: 'precision_fp32', model, version, reason: choice.why });
    return { model, version, sha256: digest, precision, provider: session.provider, key, local, inflight: 0, retired: false };
  }

  /** The same bytes in the local fallback, warmed and checked on the reference rows; false (logged) if they fail there. */
  private async loadLocalFallback(
    model: ModelName,
    version: string,
    key: string,
    bytes: Uint8Array,
    signature: ModelSignature,
    reference: { rows: Float32Array; scores: Float32Array; count: number },
    precision: Precision,
  ): Promise<boolean> {
    const local = this.options.localFallback as Inference;
    try {
      const session = await local.load(key, bytes, signature, this.options.session);
      const problem = referenceProblem(await local.run(key, reference.rows, reference.count), reference.scores, referenceTolerance(precision, session.provider), precision);
      if (problem) throw new Error(problem);
      return true;
    } catch (err: unknown) {
      await local.release(key).catch(() => undefined);
      this.emit({ type: 'provider_fallback', model, version, message: `its local fallback could not be loaded (${errorMessage(err)}); the rule-based fallback answers while the server does not` });
      return false;
    }
  }

  /** The reference rows and the scores recorded in `scoresFile` for the precision served, checked against the manifest. */
  private referenceRows(files: VersionFiles, manifest: ModelManifest, scoresFile: string): { rows: Float32Array; scores: Float32Array; count: number } {
    const ref = manifest.reference;
    const what = (file: string): string => `${files.model} ${files.version}: ${file}`;
    const rows = parseNpyFloat32(files.file(manifest, ref.rows).bytes, what(ref.rows));
    const scores = parseNpyFloat32(files.file(manifest, scoresFile).bytes, what(scoresFile));
    const width = manifest.features.length;
    if (rows.shape.join(',') !== `${ref.count},${width}` || scores.shape.join(',') !== `${ref.count}`) {
      throw new ScorestreamError(
        'MODEL_MANIFEST_INVALID',
        `${files.model} ${files.version}: the reference files hold (${rows.shape.join(', ')}) rows and (${scores.shape.join(', ')}) scores, not ${ref.count} rows of ${width} features and their scores`,
      );
    }
    return { rows: rows.data, scores: scores.data, count: ref.count };
  }

  private async retire(loaded: Loaded): Promise<void> {
    loaded.retired = true;
    if (loaded.inflight === 0) await this.release(loaded);
  }

  private async release(loaded: Loaded): Promise<void> {
    await this.inference.release(loaded.key);
    if (loaded.local) await this.options.localFallback?.release(loaded.key);
  }

  /**
   * While the server does not answer: the version's local copy if there is one (its scores, its
   * version, marked remote_unavailable), else the rule-based fallback.
   */
  private async serverDownFallback(model: ModelName, active: Loaded | undefined, rows: Float32Array, count: number): Promise<ScoreResult> {
    if (active?.local && this.options.localFallback) {
      active.inflight++;
      try {
        const scores = await this.options.localFallback.run(active.key, rows, count);
        if (scores.every((v) => v >= 0 && v <= 1)) return { scores, model, version: active.version, sha256: active.sha256, precision: active.precision, fallback: 'remote_unavailable' };
      } catch {
        // the rule-based fallback answers
      } finally {
        active.inflight--;
        if (active.retired && active.inflight === 0) await this.release(active).catch(() => undefined);
      }
    }
    return this.fallback(model, rows, count, 'remote_unavailable');
  }

  /**
   * Scores `count` rows of `model`'s features; never throws for model trouble. A version that fails
   * in service is rolled back to the standby, which scores the batch again; without a standby, the
   * breaker counts the failure and the fallback answers.
   */
  async score(model: ModelName, rows: Float32Array, count: number): Promise<ScoreResult> {
    const slot = this.slots[model];
    const active = slot.active;
    if (!active) return slot.serverDown ? this.serverDownFallback(model, undefined, rows, count) : this.fallback(model, rows, count, 'model_unavailable');
    if (!slot.breaker.allow()) return slot.serverDown ? this.serverDownFallback(model, active, rows, count) : this.fallback(model, rows, count, 'breaker_open');
    active.inflight++;
    let scores: Float32Array | undefined;
    let error: unknown;
    try {
      scores = await this.inference.run(active.key, rows, count);
    } catch (err: unknown) {
      error = err;
    } finally {
      active.inflight--;
      if (active.retired && active.inflight === 0) await this.release(active).catch(() => undefined);
    }
    const bad = scores ? scores.findIndex((s) => !(s >= 0 && s <= 1)) : -1;
    if (scores && bad < 0) {
      if (slot.active === active) {
        slot.breaker.success();
        slot.serverDown = false;
      }
      return { scores, model, version: active.version, sha256: active.sha256, precision: active.precision, fallback: null };
    }
    // Another version took over meanwhile (a swap or a rollback by a concurrent batch): it answers,
    // and this failure is not counted against it.
    if (slot.active !== active) return this.score(model, rows, count);
    if (isScorestreamError(error) && error.code === 'REMOTE_UNAVAILABLE') {
      // The server, not the version, failed: no rollback (the standby is on the same server), and
      // the version is not refused; the breaker spares the server while it is down.
      slot.lastError = error.message;
      slot.serverDown = true;
      slot.breaker.failure();
      return this.serverDownFallback(model, active, rows, count);
    }
    if (scores) {
      // Not a probability: the version is wrong on these rows, and would be again; roll it back now.
      const reason = `${model} ${active.version} returned ${scores[bad]}, not a probability`;
      if (this.rollBack(model, active, reason)) return this.score(model, rows, count);
      slot.lastError = reason;
    } else {
      slot.lastError = errorMessage(error);
    }
    slot.breaker.failure();
    if (slot.breaker.state === 'open' && this.rollBack(model, active, `its circuit breaker opened: ${slot.lastError}`)) return this.score(model, rows, count);
    return this.fallback(model, rows, count, 'inference_error');
  }

  /**
   * Replaces `failing` by the standby, at once (no await: no batch sees a half-done rollback), and
   * remembers `failing` as refused until its files change. False when there is no standby.
   */
  private rollBack(model: ModelName, failing: Loaded, reason: string): boolean {
    const slot = this.slots[model];
    const to = slot.standby;
    if (!to || slot.active !== failing) return false;
    slot.active = to;
    slot.standby = undefined;
    slot.rolledBack.set(this.filesKey(model, failing.version), reason);
    slot.breaker.reset();
    slot.lastError = `${model} ${failing.version} rolled back to ${to.version}: ${reason}`;
    this.emit({ type: 'rolled_back', model, from: failing.version, to: to.version, reason });
    void this.retire(failing).catch(() => undefined);
    return true;
  }

  private fallback(model: ModelName, rows: Float32Array, count: number, reason: FallbackReason): ScoreResult {
    return { scores: fallbackScores(model, rows, count), model, version: FALLBACK_VERSION, sha256: null, precision: 'rules', fallback: reason };
  }

  active(model: ModelName): { version: string; sha256: string; precision: Precision; provider: ServingProvider } | undefined {
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
        standby: slot.standby?.version ?? null,
        breaker,
        lastError: slot.lastError,
      };
    });
  }

  async close(): Promise<void> {
    for (const model of MODEL_NAMES) {
      const slot = this.slots[model];
      for (const loaded of [slot.active, slot.standby]) if (loaded) await this.release(loaded).catch(() => undefined);
      slot.active = undefined;
      slot.standby = undefined;
    }
    await this.inference.close();
    await this.options.localFallback?.close();
  }
}
