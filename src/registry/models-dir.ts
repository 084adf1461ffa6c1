import fs from 'node:fs';
import path from 'node:path';
import { MODEL_NAMES } from '../features/spec';
import { discoverVersions } from './discover';

const list = (names: readonly string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * What is wrong with models.dir, when models would serve only their rule-based fallbacks because
 * of it: the directory does not exist, or holds no version of some model. Undefined when every
 * model has a version to load (whether it loads is the registry's to say).
 */
export function modelsDirProblem(modelsDir: string): string | undefined {
  const resolved = path.resolve(modelsDir);
  const shown = resolved === modelsDir ? modelsDir : `${modelsDir} (${resolved})`;
  const fix = 'set models.dir (SCORESTREAM_MODELS_DIR) to the directory holding <model>/<x.y.z>/manifest.json';
  if (!fs.existsSync(resolved)) return `models.dir=${shown} does not exist: ${list(MODEL_NAMES)} will serve their rule-based fallbacks; ${fix}`;
  const missing = MODEL_NAMES.filter((m) => discoverVersions(resolved, m).length === 0);
  if (missing.length === 0) return undefined;
  return `models.dir=${shown} holds no version of ${list(missing)}: ${missing.length === 1 ? 'it' : 'they'} will serve ${missing.length === 1 ? 'its' : 'their'} rule-based fallback${missing.length === 1 ? '' : 's'}; ${fix}`;
}
