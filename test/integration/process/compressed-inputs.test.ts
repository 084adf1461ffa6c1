import type { EngagementEvent, LeadEvent } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { valueSubject } from '../../../src/topics/names';
import { produceForeign, type ForeignRecord } from '../../helpers/foreign-producer';
import { stamp, stampShift } from '../../helpers/history-files';
import { header, TestPipeline } from '../../helpers/pipeline';

/**
 * Inputs compressed by another client with each codec Kafka has: librdkafka (the Python, Go and
 * .NET clients' core) with compression.type gzip, snappy, lz4 and zstd, the way the user's
 * services send them. Every record must be scored once by every model; none may stop the consumer.
 */
describe.each(['gzip', 'snappy', 'lz4', 'zstd'])('inputs compressed with %s by librdkafka', (codec) => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('are all scored, once per model', async () => {
    await pipe.setUp();
    const history = generateHistory({ leads: 30, seed: 5 });
    const shift = stampShift(history);
    const ids = { lead: await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead)), engagement: await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.engagement)) };
    // Listings too: the property table is read by its own consumer.
    const propertyId = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.property));
    const listings: ForeignRecord[] = await Promise.all(history.propertyEvents.map(async (e) => ({ topic: pipe.names.property, key: e.property_id, value: await pipe.registry.encode(propertyId, e), timestamp: stamp(e.occurred_at, shift) })));
    expect(produceForeign(pipe.brokers, codec, listings)).toBe(listings.length);
    const records: ForeignRecord[] = [];
    const add = async (topic: string, id: number, e: LeadEvent | EngagementEvent): Promise<void> => {
      records.push({ topic, key: e.lead_id, value: await pipe.registry.encode(id, e), timestamp: stamp(e.occurred_at, shift) });
    };
    for (const e of history.leadEvents) await add(pipe.names.lead, ids.lead, e);
    for (const e of history.engagementEvents) await add(pipe.names.engagement, ids.engagement, e);
    expect(produceForeign(pipe.brokers, codec, records)).toBe(records.length);

    await pipe.startProcessor();
    for (const model of ['lead_scorer', 'churn_predictor', 'property_matcher'] as const) {
      const outputs = await pipe.read(pipe.names.outputs[model], records.length, 120_000);
      const sources = outputs.map((m) => `${header(m, 'x-source-topic')}:${header(m, 'x-source-partition')}:${header(m, 'x-source-offset')}`);
      expect({ model, outputs: outputs.length, distinct: new Set(sources).size }).toEqual({ model, outputs: records.length, distinct: records.length });
    }
    expect(await pipe.readAll(pipe.names.dlq(pipe.names.lead))).toHaveLength(0);
    // Matches need the listings: the property table read them all.
    const matches = await pipe.read(pipe.names.outputs.property_matcher, records.length);
    expect(matches.some((m) => (m.value?.length ?? 0) > 100)).toBe(true);
  }, 300_000);
});
