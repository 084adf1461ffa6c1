import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import { defaultPartition } from '../../../src/consume/partitioning';
import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { valueSubject } from '../../../src/topics/names';
import { runCli } from '../../helpers/cli';
import { produceHistory } from '../../helpers/history-files';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * What a real cluster's history holds besides good events, from producers that are not ours:
 * bytes that are not Avro, a schema id the registry never issued, a truncated body, an engagement
 * of a lead nobody created, an event that arrives after later ones (stamped when it arrived), an
 * event delivered twice, a record on a partition its key does not hash to, and an invalid event.
 * The export counts each with its reason and writes the tables of everything else.
 */
describe('features export over a bad history', () => {
  const pipe = new TestPipeline();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-bad-history-'));
  afterAll(async () => {
    await pipe.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts and skips every bad record with its reason, and never stops', async () => {
    await pipe.setUp();
    const history = generateHistory({ leads: 40, seed: 19 });
    await produceHistory(pipe.kafka, pipe.registry, pipe.names, history);

    const leadId = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead));
    const engagementId = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.engagement));
    const last = history.leadEvents[history.leadEvents.length - 1] as LeadEvent;
    const late = Date.now();
    const first = history.leadEvents[0] as LeadEvent;
    const goodBody = await pipe.registry.encode(leadId, first);
    const ghost: EngagementEvent = { ...(history.engagementEvents[0] as EngagementEvent), event_id: 'ghost-1', lead_id: 'lead-nobody-created', occurred_at: last.occurred_at + 1000 };
    const wrongKey = 'lead-0000003';
    const wrongPartition = (defaultPartition(Buffer.from(wrongKey), 2) + 1) % 2;
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const at = (ms: number): string => String(ms);
    await producer.send({
      topic: pipe.names.lead,
      messages: [
        { key: 'lead-0000001', value: Buffer.from('{"lead_id":"lead-0000001"}'), timestamp: at(late) },
        { key: 'lead-0000001', value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x01]), goodBody.subarray(5)]), timestamp: at(late) },
        { key: 'lead-0000001', value: goodBody.subarray(0, 12), timestamp: at(late) },
        // Delivered twice: the same event again, later.
        { key: first.lead_id, value: goodBody, timestamp: at(late) },
        // Happened before the lead's last events, arrived after them.
        { key: first.lead_id, value: await pipe.registry.encode(leadId, { ...first, event_id: 'late-1', event_type: 'UPDATED', occurred_at: first.occurred_at + 1 }), timestamp: at(late) },
        { key: 'lead-0000002', value: await pipe.registry.encode(leadId, { ...first, lead_id: 'lead-0000002', event_id: 'invalid-1', budget_min: -5, occurred_at: last.occurred_at }), timestamp: at(late) },
        { key: wrongKey, partition: wrongPartition, value: await pipe.registry.encode(leadId, { ...first, lead_id: wrongKey, event_id: 'misplaced-1', occurred_at: last.occurred_at }), timestamp: at(late) },
      ],
    });
    await producer.send({ topic: pipe.names.engagement, messages: [{ key: ghost.lead_id, value: await pipe.registry.encode(engagementId, ghost), timestamp: at(late) }] });
    await producer.disconnect();

    const out = path.join(dir, 'out');
    const r = await runCli(['features', 'export', '--from-topics', '--sample', 'all', '--out', out], pipe.env(), 180_000);
    expect(r.code).toBe(0);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'lead_scorer', 'meta.json'), 'utf8')) as { rows: number; rejected: Record<string, number> };
    expect(meta.rejected).toEqual({ bad_magic: 1, unknown_schema: 1, avro_decode: 1, duplicate: 1, out_of_order: 1, feature_invalid: 1, wrong_partition: 1, unknown_lead: 1 });
    expect(meta.rows).toBeGreaterThan(500);
    expect(r.stdout).toMatch(/left out: avro_decode 1, bad_magic 1, duplicate 1, feature_invalid 1, out_of_order 1, unknown_lead 1, unknown_schema 1, wrong_partition 1/);
    // The late event's row is not in the table (its features would have seen the lead's future).
    expect(fs.readFileSync(path.join(out, 'lead_scorer', 'keys.tsv'), 'utf8')).not.toContain('late-1');
  }, 300_000);
});
