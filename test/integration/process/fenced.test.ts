import type { LeadScore } from '../../../src/schemas/types';
import { fencingProducer, TransactionalProducers } from '../../../src/process/producers';
import { generateHistory } from '../../../src/synth/generate';
import { auditOutputs } from '../../helpers/audit';
import { TestPipeline, expectedScores } from '../../helpers/pipeline';

/**
 * A fenced producer is an expected event, not a crash: another holder of the processor's
 * transactional ids (what an instance that took the partitions during a pause does, and what the
 * broker does to a transaction that outlived its timeout) bumps their epochs. The processor's
 * next transactions fail with INVALID_PRODUCER_EPOCH; it must abort them, join the group again,
 * prepare its partitions anew and go on from the committed offsets: one output per record and
 * model, every score as computed in order, and the processor healthy and ready again.
 */
jest.setTimeout(300_000);

const MODELS = ['lead_scorer', 'property_matcher', 'churn_predictor'] as const;

describe('a processor whose producers are fenced', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('joins the group again and goes on exactly once, healthy and ready', async () => {
    await pipe.setUp();
    const history = generateHistory({ leads: 60, seed: 21 });
    await pipe.produce(pipe.names.property, history.propertyEvents);
    const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
    const half = Math.floor(events.length / 2);
    const logs: string[] = [];
    const processor = await pipe.startProcessor({}, logs);
    let base = await pipe.produceInOrder(events.slice(0, half));
    await pipe.read(pipe.names.outputs.lead_scorer, half);

    // Another writer initializes the processor's transactional ids: its producers are fenced now.
    for (const partition of [0, 1]) {
      const intruder = await fencingProducer(pipe.kafka, TransactionalProducers.transactionalId(pipe.config().appId, pipe.names.lead, partition));
      await intruder.disconnect();
    }
    base += events.length;
    await pipe.produceInOrder(events.slice(half), base);

    for (const m of MODELS) await pipe.read(pipe.names.outputs[m], events.length, 120_000);
    await new Promise((r) => setTimeout(r, 3_000));
    for (const m of MODELS) expect({ model: m, ...auditOutputs(new Map([[m, await pipe.readAll(pipe.names.outputs[m])]])) }).toEqual({ model: m, outputs: events.length, distinct: events.length, duplicates: 0 });
    const expected = await expectedScores(history.propertyEvents, events);
    const wrong: string[] = [];
    for (const x of await pipe.readAll(pipe.names.outputs.lead_scorer)) {
      const v = (await pipe.registry.decode(x.value as Buffer)) as LeadScore;
      if (v.conversion_probability !== expected.get(v.event_id)?.lead) wrong.push(v.event_id);
    }
    expect(wrong).toEqual([]);
    expect(logs.filter((l) => /producer was fenced/.test(l)).length).toBeGreaterThan(0);
    expect(processor.health().ok).toBe(true);
    expect(processor.isReady).toBe(true);
  });
});
