import fs from 'node:fs';
import type { ChurnRisk, LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { TestPipeline, expectedScores } from '../../helpers/pipeline';

/**
 * (f) The RocksDB directory deleted between two runs: the second run restores the lead states
 * from the changelog and scores new events exactly as an undisturbed run would.
 */
jest.setTimeout(240_000);

describe('state restored from the changelog', () => {
  const pipe = new TestPipeline();
  const history = generateHistory({ leads: 120, seed: 23 });
  afterAll(() => pipe.cleanup());

  it('after the state directory is deleted, new events are scored as if nothing happened', async () => {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
    const first = await pipe.startProcessor();
    await pipe.produce(pipe.names.lead, history.leadEvents);
    await pipe.read(pipe.names.outputs.lead_scorer, history.leadEvents.length);
    await first.stop();
    fs.rmSync(pipe.stateDir, { recursive: true, force: true });

    const logs: string[] = [];
    await pipe.startProcessor({}, logs);
    await pipe.produce(pipe.names.engagement, history.engagementEvents);
    const total = history.leadEvents.length + history.engagementEvents.length;
    const expected = await expectedScores(history.propertyEvents, [...history.leadEvents, ...history.engagementEvents]);
    const engagementIds = new Set(history.engagementEvents.map((e) => e.event_id));
    let checked = 0;
    for (const m of await pipe.read(pipe.names.outputs.lead_scorer, total)) {
      const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
      if (!engagementIds.has(v.event_id)) continue;
      expect([v.event_id, v.conversion_probability]).toEqual([v.event_id, expected.get(v.event_id)?.lead]);
      checked++;
    }
    for (const m of await pipe.read(pipe.names.outputs.churn_predictor, total)) {
      const v = (await pipe.registry.decode(m.value as Buffer)) as ChurnRisk;
      if (engagementIds.has(v.event_id)) expect([v.event_id, v.churn_probability]).toEqual([v.event_id, expected.get(v.event_id)?.churn]);
    }
    expect(checked).toBe(history.engagementEvents.length);
    const restored = logs.flatMap((l) => /restored (\d+) lead states from the changelog/.exec(l)?.[1] ?? []).map(Number);
    // Every lead of the first run came back (a lead written in two transactions counts twice).
    expect(restored.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(new Set(history.leadEvents.map((e) => e.lead_id)).size);
  });
});
