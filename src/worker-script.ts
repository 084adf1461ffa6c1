import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError, type ErrorCode } from './errors';

/**
 * The compiled script of a worker thread, `<folder>/<name>.js` under dist/. From the compiled
 * code it sits next to its caller; from the TypeScript sources (jest, tsx) it is taken from the
 * build, which `npm test` and `npm run bench` make first.
 */
export function workerScript(folder: string, name: string, what: string, code: ErrorCode): string {
  const compiled = path.join(__dirname, folder, `${name}.js`);
  if (fs.existsSync(compiled)) return compiled;
  const built = path.resolve(__dirname, '..', 'dist', folder, `${name}.js`);
  if (fs.existsSync(built)) return built;
  throw new ScorestreamError(code, `${what} is not built (${built}): run npm run build`);
}
