import type { PropertyVersion } from '../features/property-table';
import { LEAD_FEATURES } from '../features/spec';
import { LEAD_RULE_WEIGHTS } from '../registry/fallback';
import type { ScoreResult } from '../registry/registry';
import type { Band, ChurnRisk, LeadScore, PropertyMatches, Reason } from '../schemas/types';

/** What every output says about the model that answered (headers say it too). */
export type Scored = Pick<ScoreResult, 'model' | 'version' | 'fallback'>;

export const TOP_MATCHES = 5;

export function band(p: number): Band {
  return p >= 0.5 ? 'HIGH' : p >= 0.2 ? 'MEDIUM' : 'LOW';
}

const INDEX = new Map(LEAD_FEATURES.map((f, i) => [f.name, i]));

/**
 * The three signals that move this lead's score most, by the rule weights an agent would
 * recognise (tours, calls, saves, clicks, referral, silence); not a model explanation.
 */
export function topReasons(row: Float32Array, offset: number): Reason[] {
  return Object.entries(LEAD_RULE_WEIGHTS)
    .map(([feature, w]) => {
      const value = row[offset + (INDEX.get(feature) as number)] as number;
      return { feature, value, contribution: w * value };
    })
    .filter((r) => r.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
    .slice(0, 3)
    .map((r) => ({ feature: r.feature, value: r.value, direction: r.contribution > 0 ? 'RAISES' : 'LOWERS' }));
}

export function leadScore(leadId: string, eventId: string, scoredAt: number, p: number, row: Float32Array, offset: number, by: Scored): LeadScore {
  return {
    lead_id: leadId,
    event_id: eventId,
    scored_at: scoredAt,
    conversion_probability: p,
    score_band: band(p),
    top_reasons: topReasons(row, offset),
    model_name: by.model,
    model_version: by.version,
    fallback: by.fallback,
  };
}

export function churnRisk(leadId: string, eventId: string, scoredAt: number, p: number, daysSinceLastEngagement: number, by: Scored): ChurnRisk {
  return {
    lead_id: leadId,
    event_id: eventId,
    scored_at: scoredAt,
    churn_probability: p,
    risk_band: band(p),
    days_since_last_engagement: daysSinceLastEngagement,
    model_name: by.model,
    model_version: by.version,
    fallback: by.fallback,
  };
}

/** The best `TOP_MATCHES` candidates by score (ties by id), ranked from 1. */
export function propertyMatches(leadId: string, eventId: string, scoredAt: number, listings: readonly PropertyVersion[], scores: ArrayLike<number>, by: Scored): PropertyMatches {
  const ranked = listings
    .map((l, i) => ({ property_id: l.property_id, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score || (a.property_id < b.property_id ? -1 : 1))
    .slice(0, TOP_MATCHES)
    .map((m, i) => ({ ...m, rank: i + 1 }));
  return {
    lead_id: leadId,
    event_id: eventId,
    scored_at: scoredAt,
    matches: ranked,
    candidates_considered: listings.length,
    model_name: by.model,
    model_version: by.version,
    fallback: by.fallback,
  };
}
