import { randomUUID } from 'node:crypto';
import { defaultPartition } from '../../src/consume/partitioning';
import type { LeadEvent } from '../../src/schemas/types';

export function leadEvent(i: number, overrides: Partial<LeadEvent> = {}): LeadEvent {
  return {
    event_id: randomUUID(),
    lead_id: `lead-${i}`,
    event_type: 'CREATED',
    occurred_at: 1_790_000_000_000 + i * 1000,
    source_channel: (['WEB', 'REFERRAL', 'PORTAL'] as const)[i % 3] ?? 'WEB',
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

/** Indexes i from `from` on whose lead `lead-<i>` the default partitioner puts in `partition` of `partitions`. */
export function leadsOfPartition(partition: number, partitions: number, count: number, from = 0): number[] {
  const found: number[] = [];
  for (let i = from; found.length < count; i++) if (defaultPartition(Buffer.from(`lead-${i}`), partitions) === partition) found.push(i);
  return found;
}
