import { demoDisplay, plainLine, statusLines, type DemoStatus } from '../../../src/cli/demo-display';
import { hottestLeadsTable, keepLatest, type LeadOutputs } from '../../../src/cli/hottest-leads';
import type { ChurnRisk, LeadScore, PropertyMatches } from '../../../src/schemas/types';

const status: DemoStatus = {
  seconds: 1234,
  produced: 123_456_789,
  total: 987_654_321,
  scored: 123_456_000,
  outputs: 370_368_000,
  dlq: 12_345,
  eventsPerSecond: 123_456,
  p50Ms: 12_345,
  p99Ms: 123_456,
  models: 'lead_scorer 10.11.12 · property_matcher 10.11.12 · churn_predictor fallback',
};

describe('demo display', () => {
  it.each([80, 60, 40])('fits %i columns however large the numbers', (width) => {
    for (const line of statusLines(status, width)) expect([...line].length).toBeLessThanOrEqual(width);
  });

  it('writes plain lines of at most 80 columns, the models line only when it changes', () => {
    expect(plainLine(status).length).toBeLessThanOrEqual(80);
    const written: string[] = [];
    const display = demoDisplay({ write: (t: string) => written.push(t), isTTY: false }, 0);
    display.status(status);
    display.status(status);
    expect(written.filter((w) => w.startsWith('models:'))).toHaveLength(1);
    expect(written.filter((w) => w.startsWith('t=1234s'))).toHaveLength(2);
  });

  it('on a terminal, redraws its block in place and keeps a scrolled line above it', () => {
    const written: string[] = [];
    const display = demoDisplay({ write: (t: string) => written.push(t), isTTY: true, columns: 120 }, 0);
    display.status(status);
    display.line('a warning');
    expect(written.join('')).toMatch(/^t=1234s[^\n]*\n(.*\n){3}\x1b\[4F\x1b\[Ja warning\nt=1234s/);
  });
});

describe('hottest leads', () => {
  const score = (lead: string, p: number, at: number): LeadScore => ({
    lead_id: lead,
    event_id: `e-${lead}-${at}`,
    scored_at: at,
    conversion_probability: p,
    score_band: p > 0.9 ? 'HIGH' : 'MEDIUM',
    top_reasons: [{ feature: 'a_very_long_feature_name_that_goes_on_and_on', value: 1, direction: 'RAISES' }],
    model_name: 'lead_scorer',
    model_version: '1.1.0',
    fallback: null,
  });

  it('ranks each lead by its latest score and fits 80 columns', () => {
    const o: LeadOutputs = { scores: new Map(), matches: new Map<string, PropertyMatches>(), churn: new Map<string, ChurnRisk>() };
    keepLatest(o.scores, score('lead-a-with-a-long-identifier', 0.95, 1));
    keepLatest(o.scores, score('lead-a-with-a-long-identifier', 0.2, 2)); // its latest: no longer hot
    keepLatest(o.scores, score('lead-b', 0.7, 1));
    keepLatest(o.scores, score('lead-c', 0.8, 3));
    keepLatest(o.scores, score('lead-c', 0.1, 2)); // older: ignored
    o.churn.set('lead-c', { lead_id: 'lead-c', event_id: 'x', scored_at: 3, churn_probability: 0.5, risk_band: 'MEDIUM', days_since_last_engagement: 3, model_name: 'churn_predictor', model_version: '1.0.0', fallback: null });
    const table = hottestLeadsTable(o);
    expect(table.slice(2).map((l) => l.split(' ')[0])).toEqual(['lead-c', 'lead-b', 'lead-a-with-a…']);
    for (const line of table) expect([...line].length).toBeLessThanOrEqual(80);
    expect(table[2]).toMatch(/0\.50 MEDIUM$/);
  });
});
