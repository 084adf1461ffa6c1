import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bytesField, intField, linearOnnx } from '../../helpers/onnx-graph';

/**
 * ONNX Runtime writes its own log to the process's stderr, natively, in ANSI colours: nothing a JSON
 * log pipeline can parse. A model with an initializer no node reads makes it warn ("Removing
 * initializer ... It is not used by any node") when the session is created.
 */
jest.setTimeout(60_000);

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'onnx-log', 'load-model.ts');

/** `features [N, 2] -> probabilities [N, 2]` with one more initializer, `unused`, that no node reads. */
function modelWithUnusedInitializer(): Buffer {
  const base = linearOnnx({ weights: [[1, 0], [0, 1]], bias: [0, 0] });
  const unused = [...intField(1, 1), ...intField(2, 1), ...bytesField(8, [...Buffer.from('unused')]), ...bytesField(9, [...Buffer.from(Float32Array.from([1]).buffer)])];
  // A second occurrence of ModelProto.graph (7) is merged into the first by any protobuf parser.
  return Buffer.concat([base, Buffer.from(bytesField(7, bytesField(5, unused)))]);
}

function runChild(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("ONNX Runtime's own log", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-onnx-log-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stays out of stderr when a session is created and run, in the inference worker and on the main thread', async () => {
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, modelWithUnusedInitializer());
    const { code, stdout, stderr } = await runChild([file, '2']);
    expect(stdout).toBe('scored 0 0\n');
    expect(code).toBe(0);
    expect(stderr).not.toContain('\u001b[');
    expect(stderr).not.toMatch(/onnxruntime/);
  });
});
