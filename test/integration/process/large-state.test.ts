import { ConfigResourceTypes } from 'kafkajs';
import type { EngagementEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * A batch whose changelog is larger than what the broker accepts in one record batch must still
 * commit: here the changelog topic's limit is lowered to 64 KiB, and one batch touches 150 leads
 * of about 1.4 KB of state each (about 210 KB as JSON).
 */
jest.setTimeout(180_000);

describe('large state', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('a batch whose changelog exceeds the record-batch limit uncompressed still commits', async () => {
    await pipe.setUp();
    await pipe.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: pipe.names.changelog, configEntries: [{ name: 'max.message.bytes', value: '65536' }] }],
    });
    await pipe.startProcessor();
    const leads = Array.from({ length: 150 }, (_, i) => `lead-${i}`);
    const t0 = Date.UTC(2026, 4, 1);
    const views: EngagementEvent[] = leads.flatMap((lead, i) =>
      Array.from({ length: 30 }, (_, j) => ({
        event_id: `${lead}-view-${j}`,
        lead_id: lead,
        engagement_type: 'LISTING_VIEW' as const,
        occurred_at: t0 + j * 60_000 + i,
        channel: 'WEB' as const,
        property_id: `prop-${String(j).padStart(6, '0')}`,
        duration_seconds: 30,
        session_id: null,
      })),
    );
    await pipe.produce(pipe.names.engagement, views);
    await pipe.read(pipe.names.outputs.lead_scorer, views.length);
    // One update per lead: a few batches that each touch many leads with 30 remembered listings.
    const updates = leads.map((lead, i) => leadEvent(i, { lead_id: lead, event_id: `${lead}-update`, event_type: 'UPDATED', occurred_at: t0 + 3_600_000 }));
    await pipe.produce(pipe.names.lead, updates);
    await pipe.read(pipe.names.outputs.lead_scorer, views.length + updates.length, 60_000);
    expect(await pipe.readAll(pipe.names.outputs.lead_scorer)).toHaveLength(views.length + updates.length);
  });
});
