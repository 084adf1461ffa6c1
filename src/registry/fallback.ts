import { LEAD_FEATURES, MATCH_FEATURES, MODEL_FEATURES, type FeatureSpec, type ModelName } from '../features/spec';

/**
 * Rule-based scorers that answer when a model cannot: no version loaded, the breaker open, or an
 * inference error. Plain arithmetic on the same feature rows, so they need nothing but the
 * features. They are deliberately simple, monotone in the signals every agent trusts, and
 * calibrated only roughly; outputs they produce carry `x-fallback` with the reason.
 *
 * - lead_scorer: starts at 5%; tour requests, calls, saves and email clicks in the last 30 days
 *   raise it; each week without engagement lowers it; a referral raises it.
 * - churn_predictor: grows with days since the last engagement (about 50% at 3 weeks), lowered by
 *   recent listing views and tours.
 * - property_matcher: a price fit around the budget, closeness, the preferred type and area, and
 *   whether the lead already viewed or saved the listing.
 */
export const FALLBACK_VERSION = 'rules-1';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function reader(spec: readonly FeatureSpec[]): (row: Float32Array, offset: number, name: string) => number {
  const index = new Map(spec.map((f, i) => [f.name, i]));
  return (row, offset, name) => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`fallback reads unknown feature ${name}`);
    return row[offset + i] as number;
  };
}

const lead = reader(LEAD_FEATURES);
const match = reader(MATCH_FEATURES);

/** The lead_scorer rule's weights; also what LeadScore's top reasons are read from. */
export const LEAD_RULE_WEIGHTS: Readonly<Record<string, number>> = {
  log_tour_requests_30d: 0.9,
  log_calls_30d: 0.6,
  log_saves_7d: 0.4,
  log_email_clicks_30d: 0.3,
  source_referral: 0.5,
  days_since_last_engagement: -0.04,
};

function leadScore(row: Float32Array, o: number): number {
  let x = -2.9;
  for (const [name, w] of Object.entries(LEAD_RULE_WEIGHTS)) x += w * lead(row, o, name);
  return sigmoid(x);
}

function churnScore(row: Float32Array, o: number): number {
  const f = (n: string): number => lead(row, o, n);
  return sigmoid(-1.2 + 0.06 * f('days_since_last_engagement') - 0.4 * f('log_listing_views_7d') - 0.5 * f('log_tour_requests_30d'));
}

function matchScore(row: Float32Array, o: number): number {
  const f = (n: string): number => match(row, o, n);
  const priceFit = f('budget_known') > 0 ? Math.exp(-((f('abs_log_price_ratio') / 0.25) ** 2)) : 0.5;
  return sigmoid(-2 + 1.5 * priceFit - 0.08 * f('distance_km') + 0.5 * f('type_match') + 0.4 * f('area_match') + 1.0 * f('viewed_before') + 0.8 * f('saved_before'));
}

const SCORERS: Readonly<Record<ModelName, (row: Float32Array, offset: number) => number>> = {
  lead_scorer: leadScore,
  churn_predictor: churnScore,
  property_matcher: matchScore,
};

export function fallbackScores(model: ModelName, rows: Float32Array, count: number): Float32Array {
  const width = MODEL_FEATURES[model].length;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = SCORERS[model](rows, i * width);
  return out;
}
