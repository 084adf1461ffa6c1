import type { LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * processing.guarantee=at_least_once, the mode without transactions: with no crash it must give
 * what exactly-once gives (one output per input record and model, the same scores, the state in
 * the changelog), and its committed offsets must hold across a restart, so that a second instance
 * takes up after the last batch rather than scoring the topic again.
 */
jest.setTimeout(240_000);

describe('the processor, at least once', () => {
  const pipe = new TestPipeline();
  const history = generateHistory({ leads: 100, seed: 31 });
  const later = history.engagementEvents.slice(-200);
  const first = history.engagementEvents.slice(0, -200);
  const total = history.leadEvents.length + history.engagementEvents.length;
  const env = { SCORESTREAM_PROCESSING_GUARANTEE: 'at_least_once' };
  afterAll(() => pipe.cleanup());

  it('scores each input once per model, and a restart goes on from the committed offsets', async () => {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
    const one = await pipe.startProcessor(env);
    await pipe.produce(pipe.names.lead, history.leadEvents);
    await pipe.read(pipe.names.outputs.lead_scorer, history.leadEvents.length);
    await pipe.produce(pipe.names.engagement, first);
    await pipe.read(pipe.names.outputs.lead_scorer, total - later.length);
    await one.stop();

    await pipe.startProcessor(env);
    await pipe.produce(pipe.names.engagement, later);
    await pipe.read(pipe.names.outputs.lead_scorer, total);
    const expected = await expectedScores(history.propertyEvents, [...history.leadEvents, ...history.engagementEvents]);
    for (const topic of Object.values(pipe.names.outputs)) {
      const records = await pipe.readAll(topic);
      // More than `total` would mean the restart scored the topic again from an older offset.
      expect(records.length).toBe(total);
      expect(new Set(records.map((m) => `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`)).size).toBe(total);
    }
    for (const m of await pipe.readAll(pipe.names.outputs.lead_scorer)) {
      const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
      expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
    }
    // The changelog holds the state, as under exactly-once: every lead has a record there.
    const changelog = await pipe.readAll(pipe.names.changelog);
    expect(new Set(changelog.map((m) => m.key?.toString())).size).toBe(new Set(history.leadEvents.map((e) => e.lead_id)).size);
  });
});
