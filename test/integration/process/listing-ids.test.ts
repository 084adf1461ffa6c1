import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { leadEvent, leadsOfPartition } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * Listing ids are strings from other teams' producers, and a lead's state keeps the listings it
 * viewed by id. Ids that are also names of every JavaScript object's members ("toString",
 * "constructor", "__proto__") are ids like any other: each view is scored, nothing goes to the
 * DLQ, and the partition keeps flowing past them.
 */
jest.setTimeout(180_000);

describe('listing ids that name JavaScript object members', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('are scored like any other, and the records after them too', async () => {
    await pipe.setUp();
    await pipe.startProcessor();
    // Two leads of one partition: the second one's record comes after the first one's last view.
    const [a, b] = leadsOfPartition(0, 2, 2).map((i) => `lead-${i}`) as [string, string];
    const t0 = Date.now() - 60_000;
    // "toString" last: the lead's state after the batch holds it, as written to the changelog.
    const ids = ['constructor', 'valueOf', 'hasOwnProperty', '__proto__', 'p-ordinary', 'toString'];
    const views = ids.map((property_id, i): EngagementEvent => ({ event_id: `view-${i}`, lead_id: a, engagement_type: 'LISTING_VIEW', occurred_at: t0 + 1_000 * (i + 1), channel: 'WEB', property_id, duration_seconds: 30, session_id: null }));
    const created = (lead: string, at: number): LeadEvent => leadEvent(0, { lead_id: lead, event_id: `created-${lead}`, event_type: 'CREATED', occurred_at: at });
    await pipe.produceInOrder([created(a, t0), ...views, created(b, t0 + 10_000)]);

    const scores = await pipe.read(pipe.names.outputs.lead_scorer, views.length + 2, 90_000);
    expect(scores.map((m) => m.key?.toString())).toEqual([a, ...views.map(() => a), b]);
    expect(await pipe.readAll(pipe.names.dlq(pipe.names.engagement))).toHaveLength(0);
  });
});
