import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tritonLoadLog } from '../../helpers/inference-server';
import { MODELS_DIR, servedSha256 } from '../../helpers/models';
import { CliProcess } from '../../helpers/cli';

/**
 * `scorestream models export --format triton DIR`: the repository a GPU Triton loads. Its configs
 * are read by Triton's own parser (the tritonserver of PyPI's nvidia-pytriton), which gets as far
 * as the missing ONNX Runtime backend, the only one that wheel lacks.
 */
jest.setTimeout(180_000);

const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new CliProcess(args, { SCORESTREAM_MODELS_DIR: MODELS_DIR }).exited;

describe('scorestream models export --format triton', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-export-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes every version under its server version number, the file served, and configs Triton parses and loads', async () => {
    const out = path.join(tmp, 'repository');
    const r = await run(['models', 'export', '--format', 'triton', '--device', 'gpu', out]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('wrote a Triton model repository of 4 versions');
    const versions: [string, string, string][] = [
      ['lead_scorer', '1.0.0', '1000000'],
      ['lead_scorer', '1.1.0', '1001000'],
      ['property_matcher', '1.0.0', '1000000'],
      ['churn_predictor', '1.0.0', '1000000'],
    ];
    for (const [model, version, number] of versions) {
      const file = fs.readFileSync(path.join(out, model, number, 'model.onnx'));
      expect(createHash('sha256').update(file).digest('hex')).toBe(servedSha256(model, version));
    }
    const config = fs.readFileSync(path.join(out, 'lead_scorer', 'config.pbtxt'), 'utf8');
    expect(config).toContain('platform: "onnxruntime_onnx"');
    expect(config).toContain('version_policy: { specific: { versions: [ 1000000, 1001000 ] } }');
    expect(config).toContain('input [ { name: "features" data_type: TYPE_FP32 dims: [ 24 ] } ]');
    expect(config).toContain('instance_group [ { count: 1 kind: KIND_GPU } ]');

    const log = await tritonLoadLog(out);
    for (const [model, , number] of versions) {
      expect(log).toContain(`loading: ${model}:${number}`);
      expect(log).toContain(`failed to load '${model}' version ${number}: Invalid argument: unable to find backend library for backend 'onnxruntime'`);
    }
    expect(log).not.toMatch(/parse|Failed to load model config|unexpected/i);
  });

  it('a config Triton cannot parse is caught by the same check', async () => {
    const out = path.join(tmp, 'broken');
    expect((await run(['models', 'export', '--format', 'triton', out])).code).toBe(0);
    const config = path.join(out, 'churn_predictor', 'config.pbtxt');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('max_batch_size:', 'max_batch_rows:'));
    expect(await tritonLoadLog(out)).toMatch(/Error parsing text-format inference\.ModelConfig: .*has no field named "max_batch_rows"[\s\S]*Poll failed for model directory 'churn_predictor'/);
  });

  it('refuses a directory that is not empty, an unknown format and a bad flag, in one line each, exit 2', async () => {
    const full = path.join(tmp, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep'), '');
    for (const [args, message] of [
      [['models', 'export', '--format', 'triton', full], `scorestream: models export: ${full} exists and is not empty; give a new directory`],
      [['models', 'export', '--format', 'onnx', path.join(tmp, 'x')], 'scorestream: models export: --format onnx: the one format is triton'],
      [['models', 'export', '--format', 'triton', '--device', 'tpu', path.join(tmp, 'y')], 'scorestream: models export: --device tpu: expected one of auto, gpu, cpu'],
      [['models', 'export', '--format', 'triton'], 'scorestream: models export: give the directory to write the repository to, last'],
    ] as const) {
      const r = await run([...args]);
      expect([r.code, r.stderr.trim()]).toEqual([2, message]);
    }
    expect(fs.readdirSync(full)).toEqual(['keep']);
  });
});
