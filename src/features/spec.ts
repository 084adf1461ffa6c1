/**
 * The features each model reads, in the order of its input tensor, with the range inside which
 * the model was trained. Training writes this list into each manifest; serving reads it back from
 * the manifest and refuses a model whose list differs from the code's (train/serve skew).
 */
export interface FeatureSpec {
  readonly name: string;
  readonly dtype: 'float32';
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

const LOG_COUNT_MAX = 12; // log1p of ~160,000 events in a window: far beyond any real lead.

function logCount(name: string, doc: string): FeatureSpec {
  return { name, dtype: 'float32', min: 0, max: LOG_COUNT_MAX, doc: `log1p of the number of ${doc}` };
}

function flag(name: string, doc: string): FeatureSpec {
  return { name, dtype: 'float32', min: 0, max: 1, doc };
}

/** Read by lead_scorer and churn_predictor: the lead's state as of the scored event. */
export const LEAD_FEATURES: readonly FeatureSpec[] = [
  logCount('log_page_views_7d', 'page views in the last 7 days'),
  logCount('log_listing_views_1d', 'listing views in the last day'),
  logCount('log_listing_views_7d', 'listing views in the last 7 days'),
  logCount('log_listing_views_30d', 'listing views in the last 30 days'),
  logCount('log_saves_7d', 'listings saved in the last 7 days'),
  logCount('log_saves_30d', 'listings saved in the last 30 days'),
  logCount('log_shares_30d', 'listings shared in the last 30 days'),
  logCount('log_email_opens_30d', 'emails opened in the last 30 days'),
  logCount('log_email_clicks_30d', 'email clicks in the last 30 days'),
  logCount('log_tour_requests_30d', 'tour requests in the last 30 days'),
  logCount('log_calls_30d', 'calls in the last 30 days'),
  logCount('log_messages_30d', 'messages in the last 30 days'),
  logCount('log_distinct_properties_viewed_30d', 'distinct listings viewed in the last 30 days'),
  { name: 'days_since_last_engagement', dtype: 'float32', min: 0, max: 60, doc: 'days since the last engagement, capped at 60 (60 when none)' },
  { name: 'days_since_created', dtype: 'float32', min: 0, max: 365, doc: 'days since the lead was created, capped at 365' },
  flag('budget_known', '1 when the lead gave a budget'),
  { name: 'log_budget_mid', dtype: 'float32', min: 0, max: 20, doc: 'ln of the middle of the budget in USD; 0 when unknown' },
  { name: 'budget_width_ratio', dtype: 'float32', min: 0, max: 5, doc: '(max - min) / middle of the budget; 0 when unknown' },
  flag('source_referral', '1 when the lead came by referral'),
  flag('source_paid_search', '1 when the lead came from paid search'),
  flag('source_web', '1 when the lead came from the website or app'),
  { name: 'status_rank', dtype: 'float32', min: 0, max: 6, doc: 'NEW=0 ... CLOSED_LOST=6, the pipeline stage' },
  flag('unsubscribed', '1 once the lead unsubscribed from email'),
  { name: 'min_beds', dtype: 'float32', min: 0, max: 10, doc: 'minimum bedrooms asked for; 0 when unknown' },
];

/** Read by property_matcher: one row per (lead, candidate listing) as of the scored event. */
export const MATCH_FEATURES: readonly FeatureSpec[] = [
  { name: 'log_price', dtype: 'float32', min: 8, max: 22, doc: 'ln of the list price as of the event' },
  { name: 'price_to_budget', dtype: 'float32', min: 0, max: 50, doc: 'list price / middle of the budget; 1 when no budget' },
  { name: 'abs_log_price_ratio', dtype: 'float32', min: 0, max: 10, doc: '|ln(price / budget middle)|; 0 when no budget' },
  { name: 'distance_km', dtype: 'float32', min: 0, max: 500, doc: 'from where the lead wants to buy; 25 when unknown' },
  flag('location_known', '1 when the lead gave a location or area'),
  { name: 'beds_delta', dtype: 'float32', min: -10, max: 20, doc: 'bedrooms minus the minimum asked for; 0 when not asked' },
  flag('type_match', '1 when the property type is the one the lead prefers'),
  flag('area_match', '1 when the listing is in the preferred area'),
  flag('viewed_before', '1 when the lead viewed this listing in the last 90 days'),
  flag('saved_before', '1 when the lead saved this listing in the last 90 days'),
  logCount('log_tour_requests_30d', 'tour requests the lead made in the last 30 days'),
  flag('budget_known', '1 when the lead gave a budget'),
  { name: 'days_on_market', dtype: 'float32', min: 0, max: 3650, doc: 'days since first listed' },
  flag('price_cut', '1 when the price is below the first list price'),
];

export type ModelName = 'lead_scorer' | 'churn_predictor' | 'property_matcher';

export const MODEL_NAMES: readonly ModelName[] = ['lead_scorer', 'property_matcher', 'churn_predictor'];

export const MODEL_FEATURES: Readonly<Record<ModelName, readonly FeatureSpec[]>> = {
  lead_scorer: LEAD_FEATURES,
  churn_predictor: LEAD_FEATURES,
  property_matcher: MATCH_FEATURES,
};
