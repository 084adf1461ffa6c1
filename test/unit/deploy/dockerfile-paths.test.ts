import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { modelsDirProblem } from '../../../src/registry/models-dir';
import { SCHEMAS_DIR, SCHEMA_NAMES } from '../../../src/schemas/files';

/**
 * The image cannot be built here (no Docker engine), so this checks what a build would trip on
 * and what the image would miss at run time: every path the Dockerfile copies from the build
 * context exists and is not left out by .dockerignore, and the runtime stage holds what
 * `scorestream run` reads (dist/, the schemas where the code looks for them, the models where
 * SCORESTREAM_MODELS_DIR points). deploy/checks/container.sh lints the same file with BuildKit.
 */
const root = path.resolve(__dirname, '..', '..', '..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}

interface Stage {
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Instructions of a Dockerfile: comments and directives dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === undefined && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== undefined && line.trimStart().startsWith('#')) return;
    const joined = pending === undefined ? { text: line, line: i + 1 } : { text: `${pending.text} ${line.trim()}`, line: pending.line };
    if (joined.text.endsWith('\\')) {
      pending = { text: joined.text.slice(0, -1), line: joined.line };
      return;
    }
    pending = undefined;
    const m = /^\s*(\S+)\s*(.*)$/.exec(joined.text);
    if (m) out.push({ keyword: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: joined.line });
  });
  return out;
}

function stages(all: readonly Instruction[]): Stage[] {
  const out: { name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of all) {
    if (ins.keyword === 'FROM') out.push({ name: /\sAS\s+(\S+)$/i.exec(ins.args)?.[1], instructions: [] });
    out.at(-1)?.instructions.push(ins);
  }
  return out;
}

/** Arguments in exec (JSON) form or shell-like words. */
function words(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter((w) => w !== '');
}

function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((ins) => ins.keyword === 'COPY' || ins.keyword === 'ADD')
    .map((ins) => {
      const [, flags = '', rest = ''] = /^((?:--\S+\s+)*)(.*)$/.exec(ins.args) ?? [];
      const paths = words(rest);
      return { from: /--from=(\S+)/.exec(flags)?.[1], sources: paths.slice(0, -1), dest: paths.at(-1) as string, line: ins.line };
    });
}

function env(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) out[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
  }
  return out;
}

/** A .dockerignore pattern as Docker reads it: `**` any depth, `*` and `?` within one segment. */
function patternRegExp(pattern: string): RegExp {
  const clean = path.posix.normalize(pattern.replace(/^\/+/, '')).replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i] as string;
    if (c === '*' && clean[i + 1] === '*') {
      re += clean[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += clean[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether .dockerignore leaves `file` out: the last pattern matching it or a parent decides. */
function ignored(rules: readonly string[], file: string): boolean {
  const prefixes = file.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const re = patternRegExp(negate ? rule.slice(1) : rule);
    if (prefixes.some((p) => re.test(p))) out = !negate;
  }
  return out;
}

function filesUnder(rel: string): string[] {
  const abs = path.join(root, rel);
  if (!fs.statSync(abs).isDirectory()) return [rel];
  return fs.readdirSync(abs).flatMap((name) => filesUnder(path.posix.join(rel, name)));
}

const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const rules = fs
  .readFileSync(path.join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const all = stages(instructions(dockerfile));
const runtime = all.at(-1) as Stage;
const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
const runtimeCopies = copies(runtime).map((c) => ({ ...c, dest: path.posix.resolve(workdir, c.dest) }));
const copiedTo = (from: string | undefined, source: string): string | undefined =>
  runtimeCopies.find((c) => c.from === from && c.sources.some((s) => path.posix.normalize(s).replace(/\/$/, '') === source))?.dest.replace(/\/$/, '');

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
  });

  it('copies from the build context only paths that exist and that .dockerignore lets in', () => {
    const fromContext = all.flatMap(copies).filter((c) => c.from === undefined);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const c of fromContext) {
      for (const source of c.sources) {
        const rel = path.posix.normalize(source).replace(/\/$/, '');
        expect({ line: c.line, source, exists: fs.existsSync(path.join(root, rel)) }).toEqual({ line: c.line, source, exists: true });
        const left = filesUnder(rel).filter((f) => ignored(rules, f));
        expect({ line: c.line, source, leftOutByDockerignore: left }).toEqual({ line: c.line, source, leftOutByDockerignore: [] });
      }
    }
  });

  it('copies from stages that exist', () => {
    const names = all.map((s) => s.name);
    for (const c of all.flatMap(copies).filter((x) => x.from !== undefined)) expect(names).toContain(c.from);
  });

  it('leaves out of the context what must not reach the build', () => {
    for (const f of ['node_modules/kafkajs/package.json', 'dist/cli/main.js', '.scorestream/state/x', '.git/HEAD', 'training/train.sh', 'test/unit/x.test.ts', 'deploy/local/services.lock.json']) {
      expect({ f, ignored: ignored(rules, f) }).toEqual({ f, ignored: true });
    }
  });

  it('puts the compiled CLI where ENTRYPOINT runs it', () => {
    const entry = words(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]');
    const dist = copiedTo('build', '/src/dist');
    expect(dist).toBeDefined();
    expect(entry.slice(0, 2)).toEqual(['node', `${dist}/cli/main.js`]);
    expect(fs.existsSync(path.join(root, 'src', 'cli', 'main.ts'))).toBe(true);
  });

  it('puts the Avro schemas where the compiled code reads them, beside dist/', () => {
    // SCHEMAS_DIR is resolved from src/schemas/files.ts; dist/ mirrors src/, so the image must
    // hold the schemas at the same place relative to its dist/.
    const dist = copiedTo('build', '/src/dist') as string;
    expect(copiedTo(undefined, 'schemas')).toBe(path.posix.join(dist, path.relative(path.join(root, 'src'), SCHEMAS_DIR)));
    for (const name of SCHEMA_NAMES) expect(fs.existsSync(path.join(root, 'schemas', `${name}.avsc`))).toBe(true);
  });

  it('puts the shipped models, a version of every model with its manifest, at SCORESTREAM_MODELS_DIR', () => {
    const vars = env(runtime);
    expect(copiedTo(undefined, 'models')).toBe(vars.SCORESTREAM_MODELS_DIR);
    expect(modelsDirProblem(path.join(root, 'models'))).toBeUndefined();
  });

  it('sets an environment the processor accepts, with the state on a volume', () => {
    const vars = env(runtime);
    const config = loadConfig({ env: vars });
    expect(config.modelsDir).toBe(vars.SCORESTREAM_MODELS_DIR);
    const volumes = runtime.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => words(i.args));
    expect(volumes.some((v) => config.stateDir === v || config.stateDir.startsWith(`${v}/`))).toBe(true);
  });

  it('runs as a numeric non-root user', () => {
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });
});
