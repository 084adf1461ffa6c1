import type { KafkaMessage } from 'kafkajs';
import type { LeadScore, PropertyMatches, ChurnRisk } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { TestPipeline } from '../../helpers/pipeline';

/** (g) The same input with batches of 1 and of 512 records gives identical output values. */
jest.setTimeout(300_000);

describe('batch boundaries', () => {
  const history = generateHistory({ leads: 30, seed: 31 });
  const total = history.leadEvents.length + history.engagementEvents.length;
  const runs = [new TestPipeline(), new TestPipeline()];
  afterAll(async () => {
    for (const r of runs) await r.cleanup();
  });

  async function run(pipe: TestPipeline, batch: string): Promise<Map<string, string>> {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
    await pipe.startProcessor({ SCORESTREAM_BATCH_MAX_RECORDS: batch, SCORESTREAM_BATCH_LINGER_MS: batch === '1' ? '0' : '20' });
    await pipe.produce(pipe.names.lead, history.leadEvents);
    await pipe.read(pipe.names.outputs.lead_scorer, history.leadEvents.length);
    await pipe.produce(pipe.names.engagement, history.engagementEvents);
    const values = new Map<string, string>();
    const put = async (m: KafkaMessage, pick: (v: LeadScore & ChurnRisk & PropertyMatches) => unknown, model: string): Promise<void> => {
      const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore & ChurnRisk & PropertyMatches;
      values.set(`${model}/${v.event_id}`, JSON.stringify(pick(v)));
    };
    for (const m of await pipe.read(pipe.names.outputs.lead_scorer, total)) await put(m, (v) => [v.conversion_probability, v.top_reasons], 'lead');
    for (const m of await pipe.read(pipe.names.outputs.churn_predictor, total)) await put(m, (v) => v.churn_probability, 'churn');
    for (const m of await pipe.read(pipe.names.outputs.property_matcher, total)) await put(m, (v) => v.matches, 'match');
    return values;
  }

  it(`scores ${total} events identically with batch size 1 and 512`, async () => {
    const one = await run(runs[0] as TestPipeline, '1');
    const many = await run(runs[1] as TestPipeline, '512');
    expect(one.size).toBe(total * 3);
    expect(Object.fromEntries(one)).toEqual(Object.fromEntries(many));
  });
});
