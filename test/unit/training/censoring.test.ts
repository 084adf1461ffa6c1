import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_HORIZONS } from '../../../src/features/labels';
import { generateHistory } from '../../../src/synth/generate';
import { exportHistory } from '../../../src/training/export';
import { readJsonlHistory } from '../../../src/training/jsonl-history';
import { ExportProgress } from '../../../src/training/progress';
import { DEFAULT_SAMPLE } from '../../../src/training/sample';
import { readScoringPoints } from '../../../src/training/scoring-points';
import { writeHistoryFiles } from '../../helpers/history-files';

const DAY = 86_400_000;

/**
 * An export taken while outcomes are still unfolding: the data ends (--to) before the 30-day
 * horizon of the newest scored events has passed. Those rows are censored and counted; the
 * generator knows how they turned out, and some converted after the data's end: a label of 0, what
 * the data shows for them, would have been wrong.
 */
describe('censoring at the end of the data', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-censor-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves out and counts the rows whose horizon passes the end, which a negative label would get wrong', () => {
    const history = generateHistory({ leads: 600, seed: 13 });
    writeHistoryFiles(history, dir);
    const times = history.scoringPoints.map((p) => p.occurred_at).sort((a, b) => a - b);
    const to = times[Math.floor(times.length * 0.8)] as number;
    const out = path.join(dir, 'tables');
    const report = exportHistory(
      readJsonlHistory(dir),
      { out, from: undefined, to, sample: DEFAULT_SAMPLE, at: readScoringPoints(path.join(dir, 'outcomes.jsonl')), horizons: DEFAULT_HORIZONS, timeBounds: { maxFutureMs: DAY, maxPastMs: 3650 * DAY } },
      new ExportProgress(() => undefined),
    );
    expect(report.dataEnd).toBe(to);

    const inData = history.scoringPoints.filter((p) => p.occurred_at <= to);
    const nearEnd = inData.filter((p) => p.occurred_at + DEFAULT_HORIZONS.convertedDays * DAY > to);
    const lead = report.tables.find((t) => t.model === 'lead_scorer');
    expect(lead).toMatchObject({ censored: nearEnd.length, rows: inData.length - nearEnd.length });
    expect(nearEnd.length).toBeGreaterThan(50);
    const keys = fs.readFileSync(path.join(out, 'lead_scorer', 'keys.tsv'), 'utf8');
    for (const p of nearEnd) expect(keys).not.toContain(p.event_id);

    // As of the data's end these leads show no conversion; the world converted some of them later.
    const wonBy = (leadId: string, t: number): boolean => history.leadEvents.some((e) => e.lead_id === leadId && e.status === 'CLOSED_WON' && e.event_type === 'STATUS_CHANGED' && e.occurred_at <= t);
    const looksNegative = nearEnd.filter((p) => !wonBy(p.lead_id, to));
    const wronglyNegative = looksNegative.filter((p) => p.converted);
    expect(wronglyNegative.length).toBeGreaterThan(5);
    // And the churn rows: a lead that has been quiet since shortly before the end looks churned.
    const churnCensored = report.tables.find((t) => t.model === 'churn_predictor')?.censored ?? 0;
    expect(churnCensored).toBe(inData.filter((p) => p.occurred_at + DEFAULT_HORIZONS.churnedDays * DAY > to).length);
  });
});
