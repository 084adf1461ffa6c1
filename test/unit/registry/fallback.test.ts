import { LEAD_FEATURES, MATCH_FEATURES, type FeatureSpec } from '../../../src/features/spec';
import { fallbackScores } from '../../../src/registry/fallback';

function row(spec: readonly FeatureSpec[], values: Record<string, number>): Float32Array {
  return Float32Array.from(spec.map((f) => values[f.name] ?? f.min));
}

describe('rule-based fallbacks', () => {
  it('lead_scorer: tours and calls raise the score, weeks of silence lower it', () => {
    const quiet = row(LEAD_FEATURES, { days_since_last_engagement: 30 });
    const keen = row(LEAD_FEATURES, { log_tour_requests_30d: Math.log1p(2), log_calls_30d: Math.log1p(1), days_since_last_engagement: 1 });
    const [q, k] = fallbackScores('lead_scorer', Float32Array.from([...quiet, ...keen]), 2);
    expect(k).toBeGreaterThan(q as number);
    expect(q).toBeGreaterThan(0);
    expect(k).toBeLessThan(1);
  });

  it('churn_predictor: grows with days since the last engagement', () => {
    const scores = [0, 7, 21, 60].map((d) => fallbackScores('churn_predictor', row(LEAD_FEATURES, { days_since_last_engagement: d }), 1)[0] as number);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
    expect(scores[2]).toBeGreaterThan(0.4);
  });

  it('property_matcher: a listing at the budget, near, viewed, beats a far, pricey one', () => {
    const good = row(MATCH_FEATURES, { budget_known: 1, abs_log_price_ratio: 0, distance_km: 1, type_match: 1, viewed_before: 1, log_price: 13 });
    const bad = row(MATCH_FEATURES, { budget_known: 1, abs_log_price_ratio: 1, distance_km: 30, log_price: 14 });
    const [g, b] = fallbackScores('property_matcher', Float32Array.from([...good, ...bad]), 2);
    expect(g).toBeGreaterThan((b as number) + 0.3);
  });
});
