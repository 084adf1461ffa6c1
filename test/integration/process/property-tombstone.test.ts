import { randomUUID } from 'node:crypto';
import { Partitioners, type Producer } from 'kafkajs';
import type { LeadEvent, PropertyEvent, PropertyMatches } from '../../../src/schemas/types';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';
import { readTopic } from '../../helpers/read-topic';

/**
 * A tombstone on property.events (a null value under a listing's key: how a compacted topic
 * deletes it) takes the listing out of a running processor's candidates from the tombstone's
 * record time on; a later listing event for the id lists it again.
 */
jest.setTimeout(300_000);

const DAY = 86_400_000;
const B = 1_790_000_000_000;
const REMOVED = 'p-removed';

const listing = (id: string, price: number, area: string, center: { lat: number; lon: number }, overrides: Partial<PropertyEvent> = {}): PropertyEvent => ({
  event_id: randomUUID(),
  property_id: id,
  event_type: 'LISTED',
  occurred_at: B - 30 * DAY,
  list_price: price,
  property_type: 'CONDO',
  beds: 2,
  baths: 1,
  sqft: 900,
  area,
  location: center,
  listing_status: 'ACTIVE',
  ...overrides,
});
const riverside = (id: string, price: number, overrides: Partial<PropertyEvent> = {}): PropertyEvent => listing(id, price, 'Riverside', { lat: 40.7484, lon: -73.9857 }, overrides);
const eastgate = (id: string): PropertyEvent => listing(id, 300_000, 'Eastgate', { lat: 40.7282, lon: -73.7949 });

describe('a tombstone on property.events', () => {
  const pipe = new TestPipeline();
  let producer: Producer;
  afterAll(async () => {
    await producer?.disconnect();
    await pipe.cleanup();
  });

  /** The property_matcher output of one event. */
  const matchesOf = async (eventId: string): Promise<string[]> => {
    const records = await readTopic(pipe.kafka, {
      topic: pipe.names.outputs.property_matcher,
      groupId: `matches-${randomUUID().slice(0, 8)}`,
      readCommitted: true,
      until: (r) => r.some((m) => header(m, 'x-event-id') === eventId),
      timeoutMs: 120_000,
    });
    const m = records.find((r) => header(r, 'x-event-id') === eventId);
    const v = (await pipe.registry.decode(m?.value as Buffer)) as PropertyMatches;
    return v.matches.map((x) => `${x.property_id}:${x.score}`);
  };

  let probes = 0;
  /**
   * The processor follows property.events on its own: to know it has read up to a record, a new
   * listing is written after it in the same partition, and a lead that wants that listing's area
   * is scored until the listing shows up among its matches.
   */
  const untilTableReached = async (partition: number): Promise<void> => {
    const marker = eastgate(`p-marker-${probes}`);
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.property));
    await producer.send({ topic: pipe.names.property, acks: -1, messages: [{ key: marker.property_id, value: await pipe.registry.encode(id, marker), partition }] });
    for (let tries = 0; tries < 60; tries++) {
      const probe = leadEvent(probes, { lead_id: 'lead-probe', event_type: probes === 0 ? 'CREATED' : 'UPDATED', occurred_at: B + probes * 1000, preferred_area: 'Eastgate', budget_min: 250_000, budget_max: 350_000 });
      probes++;
      await pipe.produce(pipe.names.lead, [probe]);
      if ((await matchesOf(probe.event_id)).some((m) => m.startsWith(`${marker.property_id}:`))) return;
    }
    throw new Error(`the processor did not read ${marker.property_id} from property.events`);
  };

  it('removes the listing from candidates for events at or after its record time; a new listing event lists it again', async () => {
    const others = [riverside('p-a', 405_000), riverside('p-b', 420_000), riverside('p-c', 380_000)];
    const original = riverside(REMOVED, 395_000);
    await pipe.setUp();
    await pipe.produce(pipe.names.property, [original, ...others]);
    producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await pipe.startProcessor();

    const lead = (i: number, occurredAt: number): LeadEvent =>
      leadEvent(i, { lead_id: 'lead-t', event_type: i === 0 ? 'CREATED' : 'UPDATED', occurred_at: occurredAt, preferred_area: 'Riverside', budget_min: 380_000, budget_max: 420_000, location: null });
    const e0 = lead(0, B - DAY);
    await pipe.produce(pipe.names.lead, [e0]);
    const m0 = await matchesOf(e0.event_id);
    expect(m0.some((m) => m.startsWith(`${REMOVED}:`))).toBe(true);

    const removedAt = B + DAY;
    const [sent] = await producer.send({ topic: pipe.names.property, acks: -1, messages: [{ key: REMOVED, value: null, timestamp: String(removedAt) }] });
    await untilTableReached(sent?.partition ?? 0);

    // Record time, not arrival: an event from before the tombstone still sees the listing.
    const e1 = lead(1, B);
    const e2 = lead(2, B + 2 * DAY);
    await pipe.produce(pipe.names.lead, [e1, e2]);
    const [m1, m2] = [await matchesOf(e1.event_id), await matchesOf(e2.event_id)];

    const relist = riverside(REMOVED, 399_000, { occurred_at: B + 3 * DAY });
    await pipe.produce(pipe.names.property, [relist]);
    await untilTableReached(sent?.partition ?? 0);
    const e3 = lead(3, B + 4 * DAY);
    await pipe.produce(pipe.names.lead, [e3]);
    const m3 = await matchesOf(e3.event_id);

    expect(m1.some((m) => m.startsWith(`${REMOVED}:`))).toBe(true);
    expect(m2.some((m) => m.startsWith(`${REMOVED}:`))).toBe(false);
    expect(m3.some((m) => m.startsWith(`${REMOVED}:`))).toBe(true);
    // And each equals scoring directly against the table as it stood at the event's time (after
    // the tombstone, a table that never had the listing; after the new listing, one with only it).
    const withIt = await expectedScores([original, ...others], [e0, e1]);
    const without = await expectedScores(others, [e0, e1, e2]);
    const again = await expectedScores([...others, relist], [e0, e1, e2, e3]);
    expect([m0, m1, m2, m3]).toEqual([withIt.get(e0.event_id)?.matches, withIt.get(e1.event_id)?.matches, without.get(e2.event_id)?.matches, again.get(e3.event_id)?.matches]);
    expect(m2).toHaveLength(3);
  });
});
