import type { ChurnRisk, LeadScore, PropertyMatches } from '../schemas/types';
import { fit, MAX_COLUMNS } from './demo-display';

/** The latest outputs of each lead in a run, by model. */
export interface LeadOutputs {
  readonly scores: Map<string, LeadScore>;
  readonly matches: Map<string, PropertyMatches>;
  readonly churn: Map<string, ChurnRisk>;
}

export const emptyOutputs = (): LeadOutputs => ({ scores: new Map(), matches: new Map(), churn: new Map() });

/** Keeps the latest output of each lead (by scored_at; the later record wins a tie). */
export function keepLatest<T extends { lead_id: string; scored_at: number }>(map: Map<string, T>, value: T): void {
  const seen = map.get(value.lead_id);
  if (seen === undefined || seen.scored_at <= value.scored_at) map.set(value.lead_id, value);
}

const pad = (s: string, w: number): string => fit(s, w).padEnd(w);

/**
 * The run's hottest leads, by their latest conversion probability: what the demo ends with. Each
 * line fits 80 columns: lead, probability and band, the top reason, the best listing, churn risk.
 */
export function hottestLeadsTable(o: LeadOutputs, rows = 5): string[] {
  const hottest = [...o.scores.values()].sort((a, b) => b.conversion_probability - a.conversion_probability || a.lead_id.localeCompare(b.lead_id)).slice(0, rows);
  if (hottest.length === 0) return [];
  const w = { lead: 14, conv: 11, reason: 22, match: 18 };
  const header = `${pad('lead', w.lead)} ${pad('converts', w.conv)} ${pad('top reason', w.reason)} ${pad('best match', w.match)} churn`;
  const lines = hottest.map((s) => {
    const reason = s.top_reasons[0];
    const match = o.matches.get(s.lead_id)?.matches[0];
    const churn = o.churn.get(s.lead_id);
    return fit(
      [
        pad(s.lead_id, w.lead),
        pad(`${s.conversion_probability.toFixed(2)} ${s.score_band}`, w.conv),
        pad(reason ? `${reason.direction === 'RAISES' ? '+' : '-'}${reason.feature}` : '-', w.reason),
        pad(match ? `${match.property_id} ${match.score.toFixed(2)}` : '-', w.match),
        churn ? `${churn.churn_probability.toFixed(2)} ${churn.risk_band}` : '-',
      ].join(' '),
      MAX_COLUMNS,
    );
  });
  return [fit(`hottest leads of this run (${o.scores.size.toLocaleString('en-US')} leads scored):`, MAX_COLUMNS), header, ...lines];
}
