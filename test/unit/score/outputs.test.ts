import avro from 'avsc';
import type { PropertyVersion } from '../../../src/features/property-table';
import { LEAD_FEATURES } from '../../../src/features/spec';
import { band, leadScore, propertyMatches, topReasons } from '../../../src/score/outputs';
import { readSchema } from '../../../src/schemas/files';

const by = { model: 'lead_scorer' as const, version: '1.0.0', fallback: null };
const row = (values: Record<string, number>): Float32Array => Float32Array.from(LEAD_FEATURES.map((f) => values[f.name] ?? 0));

describe('output records', () => {
  it('band probabilities at 0.2 and 0.5', () => {
    expect([0, 0.19, 0.2, 0.49, 0.5, 1].map(band)).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']);
  });

  it('give the strongest signals as reasons, with their direction', () => {
    const r = row({ log_tour_requests_30d: Math.log1p(3), days_since_last_engagement: 40, log_saves_7d: 0.1 });
    expect(topReasons(r, 0)).toEqual([
      { feature: 'days_since_last_engagement', value: 40, direction: 'LOWERS' },
      { feature: 'log_tour_requests_30d', value: Math.fround(Math.log1p(3)), direction: 'RAISES' },
      { feature: 'log_saves_7d', value: Math.fround(0.1), direction: 'RAISES' },
    ]);
  });

  it('are valid against their Avro schemas', () => {
    const score = leadScore('l', 'e', 1, 0.7, row({ log_calls_30d: 1 }), 0, by);
    expect(avro.Type.forSchema(JSON.parse(readSchema('LeadScore')) as avro.Schema).isValid(score)).toBe(true);
    const listing = (id: string): PropertyVersion => ({ property_id: id, valid_from: 0, list_price: 1, property_type: 'CONDO', beds: 1, baths: 1, area: 'a', location: { lat: 0, lon: 0 }, listing_status: 'ACTIVE', listed_at: 0, original_price: 1 });
    const m = propertyMatches('l', 'e', 1, ['a', 'b', 'c', 'd', 'e', 'f'].map(listing), [0.1, 0.9, 0.5, 0.5, 0.2, 0.3], { ...by, model: 'lead_scorer' });
    expect(m.matches).toEqual([
      { property_id: 'b', score: 0.9, rank: 1 },
      { property_id: 'c', score: 0.5, rank: 2 },
      { property_id: 'd', score: 0.5, rank: 3 },
      { property_id: 'f', score: 0.3, rank: 4 },
      { property_id: 'e', score: 0.2, rank: 5 },
    ]);
    expect(m.candidates_considered).toBe(6);
    expect(avro.Type.forSchema(JSON.parse(readSchema('PropertyMatches')) as avro.Schema).isValid(m)).toBe(true);
  });
});
