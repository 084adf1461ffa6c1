import { loadConfig } from '../config/load';
import { ScorestreamError } from '../errors';
import type { PrecisionPolicy } from '../registry/precision';
import { exportTritonRepository, type ExportDevice } from '../registry/triton-export';
import { intFlag, parseFlags } from './args';

export const MODELS_USAGE = `usage: scorestream models export --format triton [--precision auto|fp32|int8] [--device auto|gpu|cpu]
         [--max-batch-rows N] DIR
  Writes a Triton model repository to DIR (new or empty) from models.dir: DIR/<model>/config.pbtxt
  (ONNX Runtime backend, dynamic batching) and DIR/<model>/<N>/model.onnx for each version x.y.z,
  N = x * 1000000 + y * 1000 + z, the number the processor asks the server for. Each file is checked
  against its manifest first.
  --precision        the file each version is hosted in: auto (default) chooses as the processor's
                     models.precision=auto does; use the same value as the processor
  --device           auto (default): one instance on each GPU, on the CPU where there is none;
                     gpu or cpu: that kind only
  --max-batch-rows   the server's max_batch_size (default: the models.remote.maxBatchRows setting)
  Then: tritonserver --model-repository DIR, and models.backend=remote, models.remote.url=grpc://host:8001`;

const PRECISIONS: readonly PrecisionPolicy[] = ['auto', 'fp32', 'int8'];
const DEVICES: readonly ExportDevice[] = ['auto', 'gpu', 'cpu'];

function oneOf<T extends string>(flag: string, value: string | undefined, values: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value)) throw new ScorestreamError('USAGE_INVALID', `models export: --${flag} ${value}: expected one of ${values.join(', ')}`);
  return value as T;
}

export function modelsCommand(args: readonly string[], print: (line: string) => void): number {
  const [sub, ...rest] = args;
  if (sub !== 'export') throw new ScorestreamError('USAGE_INVALID', `models: unknown subcommand ${sub === undefined ? '(none)' : `'${sub}'`} (scorestream models --help)`);
  // The directory is the last argument, unless that is the value of the flag before it.
  const options = { format: { type: 'string' }, precision: { type: 'string' }, device: { type: 'string' }, 'max-batch-rows': { type: 'string' } } as const;
  const last = rest[rest.length - 1];
  const before = rest[rest.length - 2];
  const valueOfFlag = before !== undefined && before.startsWith('--') && !before.includes('=') && before.slice(2) in options;
  const out = last !== undefined && !last.startsWith('-') && !valueOfFlag ? last : undefined;
  const flags = parseFlags('models export', out === undefined ? rest : rest.slice(0, -1), options);
  if (flags.format !== 'triton') throw new ScorestreamError('USAGE_INVALID', `models export: --format ${flags.format ?? '(missing)'}: the one format is triton`);
  if (out === undefined) throw new ScorestreamError('USAGE_INVALID', 'models export: give the directory to write the repository to, last');
  const config = loadConfig();
  const written = exportTritonRepository({
    modelsDir: config.modelsDir,
    out,
    precision: oneOf('precision', flags.precision, PRECISIONS, 'auto'),
    device: oneOf('device', flags.device, DEVICES, 'auto'),
    maxBatchRows: intFlag('max-batch-rows', flags['max-batch-rows'], config.remoteMaxBatchRows, 1, 'models export'),
  });
  for (const v of written) print(`${v.model} ${v.version} -> ${out}/${v.model}/${v.serverVersion}/model.onnx (${v.precision}, sha256 ${v.sha256.slice(0, 12)})`);
  print(`wrote a Triton model repository of ${written.length} versions to ${out}`);
  return 0;
}
