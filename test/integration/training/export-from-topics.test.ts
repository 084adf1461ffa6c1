import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_NAMES } from '../../../src/features/spec';
import { generateHistory } from '../../../src/synth/generate';
import type { ScoringPoint } from '../../../src/synth/outcome-events';
import { runCli } from '../../helpers/cli';
import { produceHistory, writeHistoryFiles } from '../../helpers/history-files';
import { TestPipeline } from '../../helpers/pipeline';

const TABLE_FILES = ['X.npy', 'y.npy', 'times.npy', 'groups.npy', 'keys.tsv'];

/** y.npy's labels with keys.tsv's rows: [lead, event, listing, label]. */
function labelledRows(dir: string): [string, string, string, number][] {
  const y = fs.readFileSync(path.join(dir, 'y.npy'));
  const offset = 10 + y.readUInt16LE(8);
  const labels = new Float32Array(y.buffer.slice(y.byteOffset + offset, y.byteOffset + y.length));
  const keys = fs.readFileSync(path.join(dir, 'keys.tsv'), 'utf8').trim().split('\n').slice(1);
  expect(keys).toHaveLength(labels.length);
  return keys.map((k, i) => {
    const [lead, event, listing] = k.split('\t') as [string, string, string];
    return [lead, event, listing, labels[i] as number];
  });
}

describe('features export --from-topics', () => {
  const pipe = new TestPipeline();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-export-'));
  const history = generateHistory({ leads: 250, seed: 61 });

  beforeAll(async () => {
    await pipe.setUp();
    writeHistoryFiles(history, path.join(dir, 'history'));
    await produceHistory(pipe.kafka, pipe.registry, pipe.names, history);
  }, 240_000);
  afterAll(async () => {
    await pipe.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const exportTo = async (name: string, source: string[], extra: string[]): Promise<string> => {
    const out = path.join(dir, name);
    const r = await runCli(['features', 'export', ...source, ...extra, '--out', out], pipe.env(), 180_000);
    expect({ code: r.code, stderr: r.stderr.split('\n').filter((l) => !l.includes('replaying:') && !l.includes('reading:')).join('\n') }).toEqual({ code: 0, stderr: '' });
    return out;
  };

  it.each([
    ['the scoring points of an --at file', ['--at']],
    ['a per-lead sample', ['--sample', 'per-lead:4', '--seed', '7']],
  ])('gives the rows of the same history read from files, bit for bit: %s', async (_name, flags) => {
    const extra = flags[0] === '--at' ? ['--at', path.join(dir, 'history', 'outcomes.jsonl')] : flags;
    const tag = flags[0] === '--at' ? 'at' : 'sample';
    const fromTopics = await exportTo(`topics-${tag}`, ['--from-topics'], extra);
    const fromFiles = await exportTo(`files-${tag}`, ['--from-jsonl', path.join(dir, 'history')], extra);
    for (const model of MODEL_NAMES) {
      const files = [...TABLE_FILES, ...(flags[0] === '--at' ? ['p_true.npy'] : [])];
      for (const file of files) expect({ model, file, same: fs.readFileSync(path.join(fromTopics, model, file)).equals(fs.readFileSync(path.join(fromFiles, model, file))) }).toEqual({ model, file, same: true });
      expect(labelledRows(path.join(fromTopics, model)).length).toBeGreaterThan(0);
    }
  }, 400_000);

  it('labels every uncensored row with the outcome the generator drew', async () => {
    const points = new Map<string, ScoringPoint>(history.scoringPoints.map((p) => [p.event_id, p]));
    const out = path.join(dir, 'topics-at');
    const leads = labelledRows(path.join(out, 'lead_scorer'));
    const churn = labelledRows(path.join(out, 'churn_predictor'));
    const pairs = labelledRows(path.join(out, 'property_matcher'));
    // Nearly every lead's scoring point is far enough from the data's end to be labelled.
    expect(leads.length).toBeGreaterThan(history.scoringPoints.length * 0.85);
    expect(pairs.length).toBeGreaterThan(history.scoringPoints.length * 4);
    const mismatches = [
      ...leads.filter(([, event, , y]) => Number(points.get(event)?.converted) !== y),
      ...churn.filter(([, event, , y]) => Number(points.get(event)?.churned) !== y),
      ...pairs.filter(([, event, listing, y]) => Number(points.get(event)?.pairs.find((p) => p.property_id === listing)?.toured) !== y),
    ];
    expect(mismatches).toEqual([]);
    // Both classes occur: the comparison is not vacuous.
    for (const rows of [leads, churn, pairs]) expect(new Set(rows.map((r) => r[3]))).toEqual(new Set([0, 1]));
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'lead_scorer', 'meta.json'), 'utf8')) as { censored: number; rows: number };
    expect(meta.rows + meta.censored).toBe(history.scoringPoints.length);
  });
});
