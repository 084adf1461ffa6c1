import { ScorestreamError } from '../errors';
import { OipClient, type RemoteOptions } from './remote/oip-client';
import type { ModelInferResponse, ModelMetadataResponse, TensorMetadata } from './remote/oip-protocol';
import { serverVersion } from '../registry/server-version';
import type { Inference, LoadedSession, ModelIdentity, ModelSignature } from './types';

/** A model version as the server hosts it: its name and the server's version number for it. */
export interface Hosted extends ModelIdentity {
  readonly serverVersion: string;
}

interface RemoteModel {
  readonly identity: Hosted;
  readonly signature: ModelSignature;
  /** Set after a failure that means the server went away: its metadata is read again before the next request. */
  stale: boolean;
}

const dims = (t: TensorMetadata): string => `[${t.shape.join(', ')}]`;

/** What differs between the server's metadata of the model and its manifest, or nothing. */
export function metadataProblems(meta: ModelMetadataResponse, id: Hosted, s: ModelSignature): string[] {
  const problems: string[] = [];
  if (meta.name !== id.name) problems.push(`it answers for model ${meta.name}`);
  // MLServer lists no versions in a version's metadata (measured, 1.7.1); Triton lists the one asked for.
  if (meta.versions.length > 0 && !meta.versions.includes(id.serverVersion)) problems.push(`it lists versions [${meta.versions.join(', ')}], not ${id.serverVersion}`);
  const input = meta.inputs.find((t) => t.name === s.inputName);
  if (meta.inputs.length !== 1 || !input) problems.push(`its inputs are [${meta.inputs.map((t) => t.name).join(', ')}], the manifest's [${s.inputName}]`);
  else if (input.datatype !== 'FP32' || input.shape.length !== 2 || input.shape[1] !== String(s.features)) {
    problems.push(`its input ${input.name} is ${input.datatype} ${dims(input)}, the manifest's FP32 [-1, ${s.features}]`);
  }
  const output = meta.outputs.find((t) => t.name === s.outputName);
  if (!output) problems.push(`its outputs are [${meta.outputs.map((t) => t.name).join(', ')}], the manifest's ${s.outputName}`);
  else if (output.datatype !== 'FP32' || output.shape.length !== 2 || !(Number(output.shape[1]) > s.scoreColumn)) {
    problems.push(`its output ${output.name} is ${output.datatype} ${dims(output)}, the manifest needs FP32 with column ${s.scoreColumn}`);
  }
  return problems;
}

/** The rows' scores out of an inference response, checked to be what was asked for. */
function scoresOf(res: ModelInferResponse, id: Hosted, s: ModelSignature, count: number, where: string): Float32Array {
  if (res.model_name !== id.name || res.model_version !== id.serverVersion) {
    throw new ScorestreamError('MODEL_SERVER_MISMATCH', `${where}: the server answered as ${res.model_name} version ${res.model_version || '(none)'}, not ${id.name} ${id.serverVersion}`);
  }
  const at = res.outputs.findIndex((o) => o.name === s.outputName);
  const out = res.outputs[at];
  if (!out || out.datatype !== 'FP32') throw new ScorestreamError('INFERENCE_FAILED', `${where}: the server returned no FP32 output ${s.outputName}`);
  const width = Number(out.shape[1] ?? 1);
  let values: Float32Array;
  const raw = res.raw_output_contents[at];
  if (raw !== undefined && raw.length > 0) {
    // Copied: the response buffer need not be 4-byte aligned.
    values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  } else {
    values = Float32Array.from(out.contents?.fp32_contents ?? []);
  }
  if (Number(out.shape[0]) !== count || values.length !== count * width) {
    throw new ScorestreamError('INFERENCE_FAILED', `${where}: the server returned ${out.shape.join(' x ')} (${values.length} values) for ${count} rows`);
  }
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) scores[i] = values[i * width + s.scoreColumn] as number;
  return scores;
}

/**
 * Inference on an Open Inference Protocol server: each `run` is one ModelInfer request of the
 * micro-batch (raw FP32 rows), for the model name and the server version of the version loaded.
 * `load` reads the server's metadata of that version and refuses it when its name, version,
 * inputs or outputs differ from the manifest; after the server went away it is read again before
 * the next request, so a server restarted with other models is noticed. The model bytes are not
 * sent: the server hosts its own copy (scorestream models export); the registry's reference-row
 * check then shows that it is the same model.
 */
export class RemoteInference implements Inference {
  private readonly client: OipClient;
  private readonly models = new Map<string, RemoteModel>();
  private sequence = 0;
  private readonly maxBatchRows: number;

  constructor(options: RemoteOptions) {
    this.client = new OipClient(options);
    this.maxBatchRows = options.maxBatchRows;
  }

  get address(): string {
    return this.client.address;
  }

  private where(id: Hosted): string {
    return `${id.name} ${id.version} (version ${id.serverVersion} on ${this.client.address})`;
  }

  private async verify(id: Hosted, signature: ModelSignature): Promise<void> {
    if (!(await this.client.modelReady(id.name, id.serverVersion))) {
      throw new ScorestreamError('REMOTE_UNAVAILABLE', `${this.where(id)}: the server does not have this version ready`);
    }
    const problems = metadataProblems(await this.client.modelMetadata(id.name, id.serverVersion), id, signature);
    if (problems.length > 0) throw new ScorestreamError('MODEL_SERVER_MISMATCH', `${this.where(id)} does not match its manifest: ${problems.join('; ')}`);
  }

  async load(key: string, _model: Uint8Array, signature: ModelSignature, _options: unknown, identity?: ModelIdentity): Promise<LoadedSession> {
    if (!identity) throw new ScorestreamError('MODEL_LOAD_FAILED', `${key}: a remote model needs its name and version`);
    const hosted: Hosted = { ...identity, serverVersion: serverVersion(identity.version) };
    await this.verify(hosted, signature);
    this.models.set(key, { identity: hosted, signature, stale: false });
    return { provider: 'remote' };
  }

  async run(key: string, rows: Float32Array, count: number): Promise<Float32Array> {
    const model = this.models.get(key);
    if (!model) throw new ScorestreamError('INFERENCE_FAILED', `no model loaded as ${key}`);
    const { identity: id, signature: s } = model;
    if (rows.length < count * s.features) throw new ScorestreamError('INFERENCE_FAILED', `${count} rows need ${count * s.features} values, got ${rows.length}`);
    try {
      if (model.stale) {
        await this.verify(id, s);
        model.stale = false;
      }
      const parts: Promise<Float32Array>[] = [];
      for (let first = 0; first < count; first += this.maxBatchRows) parts.push(this.request(id, s, rows, first, Math.min(this.maxBatchRows, count - first)));
      const scores = new Float32Array(count);
      (await Promise.all(parts)).forEach((part, i) => scores.set(part, i * this.maxBatchRows));
      return scores;
    } catch (err: unknown) {
      if (err instanceof ScorestreamError && err.code === 'REMOTE_UNAVAILABLE') model.stale = true;
      throw err;
    }
  }

  /** One ModelInfer request of `n` rows from row `first`. */
  private async request(id: Hosted, s: ModelSignature, rows: Float32Array, first: number, n: number): Promise<Float32Array> {
    const data = rows.subarray(first * s.features, (first + n) * s.features);
    const res = await this.client.infer({
      model_name: id.name,
      model_version: id.serverVersion,
      id: String(++this.sequence),
      inputs: [{ name: s.inputName, datatype: 'FP32', shape: [n, s.features] }],
      outputs: [{ name: s.outputName }],
      raw_input_contents: [Buffer.from(data.buffer, data.byteOffset, data.byteLength)],
    });
    return scoresOf(res, id, s, n, this.where(id));
  }

  async release(key: string): Promise<void> {
    this.models.delete(key);
  }

  async close(): Promise<void> {
    this.models.clear();
    this.client.close();
  }
}
