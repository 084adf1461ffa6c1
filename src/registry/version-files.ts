import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError, errorMessage } from '../errors';
import { parseManifest, type ModelManifest } from './manifest';

/** Training writes it beside manifest.json, in `sha256sum` format: `<hex>  manifest.json`. */
export const MANIFEST_DIGEST_FILE = 'manifest.json.sha256';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Why a file could not be read, without its path: messages reach logs, /healthz and the admin
 * endpoint's answers, which must not disclose where models live on the host.
 */
function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? 'error'})`;
}

/**
 * One version directory, read the way the registry trusts it: every byte it uses is checked
 * against a digest before use, and the bytes checked are the bytes used (no second read).
 * Messages name the model, the version and the file, never a local path.
 */
export class VersionFiles {
  private readonly dir: string;

  constructor(
    modelsDir: string,
    readonly model: string,
    readonly version: string,
  ) {
    this.dir = path.join(modelsDir, model, version);
  }

  private read(file: string): Uint8Array {
    try {
      return new Uint8Array(fs.readFileSync(path.join(this.dir, file)));
    } catch (err: unknown) {
      throw new ScorestreamError('MODEL_NOT_FOUND', `${this.model} ${this.version}: ${file} ${readProblem(err)}`, { cause: err });
    }
  }

  /** manifest.json, checked against manifest.json.sha256 before it is parsed. */
  manifest(): ModelManifest {
    if (!fs.existsSync(path.join(this.dir, 'manifest.json'))) {
      throw new ScorestreamError('MODEL_NOT_FOUND', `${this.model} ${this.version}: no such version in the models directory (no manifest.json)`);
    }
    const bytes = this.read('manifest.json');
    let sealed: string;
    try {
      sealed = fs.readFileSync(path.join(this.dir, MANIFEST_DIGEST_FILE), 'utf8');
    } catch (err: unknown) {
      const problem = readProblem(err);
      throw new ScorestreamError('MODEL_CHECKSUM_MISMATCH', `${this.model} ${this.version}: ${MANIFEST_DIGEST_FILE} ${problem}; refusing to load a manifest no checksum covers`, { cause: err });
    }
    const expected = /^([0-9a-f]{64})\b/.exec(sealed.trim())?.[1];
    if (!expected) throw new ScorestreamError('MODEL_CHECKSUM_MISMATCH', `${this.model} ${this.version}: ${MANIFEST_DIGEST_FILE} holds no SHA-256 digest; refusing to load the manifest`);
    const digest = sha256(bytes);
    if (digest !== expected) {
      throw new ScorestreamError('MODEL_CHECKSUM_MISMATCH', `${this.model} ${this.version}: manifest.json has sha256 ${digest} but ${MANIFEST_DIGEST_FILE} says ${expected}; refusing to load it`);
    }
    const where = `${this.model} ${this.version}: manifest.json`;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (err: unknown) {
      throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${where}: not JSON (${errorMessage(err)})`, { cause: err });
    }
    return parseManifest(json, where);
  }

  /** A file the manifest lists, checked against its digest there. */
  file(manifest: ModelManifest, file: string): { bytes: Uint8Array; sha256: string } {
    const entry = manifest.files[file];
    if (!entry) throw new ScorestreamError('MODEL_MANIFEST_INVALID', `${this.model} ${this.version}: the manifest lists no ${file}`);
    const bytes = this.read(file);
    const digest = sha256(bytes);
    if (digest !== entry.sha256) {
      throw new ScorestreamError('MODEL_CHECKSUM_MISMATCH', `${this.model} ${this.version}: ${file} has sha256 ${digest} but the manifest says ${entry.sha256}; refusing to load it`);
    }
    return { bytes, sha256: digest };
  }

  /**
   * What identifies the files as they are now (names, sizes, modification times), so a version
   * refused for its files is tried again once they change, and not before.
   */
  state(): string {
    try {
      return fs
        .readdirSync(this.dir)
        .sort()
        .map((name) => {
          const st = fs.statSync(path.join(this.dir, name));
          return `${name}:${st.size}:${st.mtimeMs}`;
        })
        .join('|');
    } catch {
      return 'missing';
    }
  }
}
