import { randomUUID } from 'node:crypto';

/** A LeadEvent as the Avro schema in schemas/LeadEvent.avsc describes it. */
export interface LeadEventRecord {
  event_id: string;
  lead_id: string;
  event_type: 'CREATED' | 'UPDATED' | 'STATUS_CHANGED';
  occurred_at: number;
  source_channel: string;
  status: string;
  budget_min: number | null;
  budget_max: number | null;
  preferred_area: string | null;
  preferred_property_type: string | null;
  min_beds: number | null;
  min_baths: number | null;
  location: { lat: number; lon: number } | null;
  agent_id: string | null;
}

export function leadEvent(i: number, overrides: Partial<LeadEventRecord> = {}): LeadEventRecord {
  return {
    event_id: randomUUID(),
    lead_id: `lead-${i}`,
    event_type: 'CREATED',
    occurred_at: 1_790_000_000_000 + i * 1000,
    source_channel: ['WEB', 'REFERRAL', 'PORTAL'][i % 3] as string,
    status: 'NEW',
    budget_min: 250_000 + i * 1000,
    budget_max: i % 4 === 0 ? null : 400_000 + i * 1000,
    preferred_area: i % 2 === 0 ? 'Riverside' : null,
    preferred_property_type: i % 2 === 0 ? 'CONDO' : 'SINGLE_FAMILY',
    min_beds: (i % 4) + 1,
    min_baths: 1.5,
    location: i % 3 === 0 ? null : { lat: 40.7 + i / 1000, lon: -74.0 - i / 1000 },
    agent_id: null,
    ...overrides,
  };
}
