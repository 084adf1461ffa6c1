import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCommand } from '../../../src/cli/generate-command';
import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { exportTrainingTables } from '../../../src/synth/drawn-tables';
import { generateHistory, type History } from '../../../src/synth/generate';
import { DAY_MS } from '../../../src/synth/world';

const FILES = ['X.npy', 'y.npy', 'p_true.npy', 'groups.npy', 'meta.json'];
const MODELS = ['lead_scorer', 'churn_predictor', 'property_matcher'];

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'drawn-tables-'));
const bytes = (dir: string): Record<string, string> =>
  Object.fromEntries(MODELS.flatMap((m) => FILES.map((f) => [`${m}/${f}`, fs.readFileSync(path.join(dir, m, f)).toString('base64')])));

describe('the drawn-outcome training tables', () => {
  const history = generateHistory({ leads: 200, seed: 11 });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const tables = (h: History): Record<string, string> => {
    const dir = tmp();
    dirs.push(dir);
    exportTrainingTables(h, dir);
    return bytes(dir);
  };

  it('use only what each lead did up to its scoring point: events after it leave them byte-identical', () => {
    const later: { lead: LeadEvent[]; engagement: EngagementEvent[] } = { lead: [], engagement: [] };
    history.outcomes.forEach((o, i) => {
      const profile = history.leadEvents.find((e) => e.lead_id === o.lead_id) as LeadEvent;
      later.lead.push({ ...profile, event_id: `after-${i}`, event_type: 'STATUS_CHANGED', status: 'CLOSED_WON', occurred_at: o.as_of + DAY_MS, budget_min: 1, budget_max: 2, location: { lat: 0, lon: 0 } });
      later.engagement.push({ event_id: `after-e-${i}`, lead_id: o.lead_id, engagement_type: 'TOUR_REQUEST', occurred_at: o.as_of + 1, channel: 'WEB', property_id: o.candidates[0]?.property_id ?? null, duration_seconds: null, session_id: null });
    });
    const withOutcomes: History = { ...history, leadEvents: [...history.leadEvents, ...later.lead], engagementEvents: [...history.engagementEvents, ...later.engagement] };
    expect(tables(withOutcomes)).toEqual(tables(history));
  });

  it('are what `generate --training-tables` writes, with one summary line per model and no JSONL', () => {
    const dir = tmp();
    dirs.push(dir);
    const out = path.join(dir, 'tables');
    const lines: string[] = [];
    expect(generateCommand(['--leads', '200', '--seed', '11', '--training-tables', out], (l) => lines.push(l))).toBe(0);
    expect(bytes(out)).toEqual(tables(history));
    expect(fs.readdirSync(dir)).toEqual(['tables']);
    for (const m of MODELS) {
      const meta = JSON.parse(fs.readFileSync(path.join(out, m, 'meta.json'), 'utf8')) as { rows: number; dataSha256: string };
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${m} +${meta.rows} rows, \\d+\\.\\d% positive, \\d+ rejected, data sha256 ${meta.dataSha256.slice(0, 12)}$`)));
    }
  });

  it('come with the JSONL when --out is given as well', () => {
    const dir = tmp();
    dirs.push(dir);
    expect(generateCommand(['--leads', '20', '--out', path.join(dir, 'jsonl'), '--training-tables', path.join(dir, 'tables')], () => undefined)).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'jsonl')).sort()).toEqual(['engagement.events.jsonl', 'lead.events.jsonl', 'outcomes.jsonl', 'property.events.jsonl']);
    expect(fs.readdirSync(path.join(dir, 'tables')).sort()).toEqual([...MODELS].sort());
  });
});
