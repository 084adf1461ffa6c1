import type { LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { auditOutputs } from '../../helpers/audit';
import { startTwoInstances } from '../../helpers/two-instances';
import { TestPipeline, expectedScores } from '../../helpers/pipeline';

/**
 * An instance paused (SIGSTOP) past its session: the other takes its partition, processes it, and
 * then the paused one comes back (SIGCONT) and gets the partition back, with the other still there
 * or gone. Its local state is older than the changelog by then: it must catch up before it goes
 * on, so that every score equals the score computed from all events in order, with one output per
 * input record and model.
 */
jest.setTimeout(400_000);


describe('a partition given back to an instance that was paused', () => {
  for (const alone of [false, true]) {
    it(alone ? 'when the other instance has stopped meanwhile (it comes back alone)' : 'while the other instance goes on', async () => {
      const pipe = new TestPipeline();
      const procs: ChildProcessor[] = [];
      try {
        await pipe.setUp();
        const history = generateHistory({ leads: 120, seed: alone ? 5 : 6 });
        await pipe.produce(pipe.names.property, history.propertyEvents);
        const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
        const thirds = [0, 1, 2].map((i) => events.slice(Math.floor((i * events.length) / 3), Math.floor(((i + 1) * events.length) / 3)));
        const [a, b] = await startTwoInstances(pipe, 'give-back', procs);
        let base = await pipe.produceInOrder(thirds[0] ?? []);
        await pipe.read(pipe.names.outputs.lead_scorer, thirds[0]?.length ?? 0);

        b.signal('SIGSTOP');
        base += events.length;
        await pipe.produceInOrder(thirds[1] ?? [], base);
        // A takes B's partition after B's session, and processes the second third of both.
        await pipe.read(pipe.names.outputs.lead_scorer, (thirds[0]?.length ?? 0) + (thirds[1]?.length ?? 0));
        if (alone) await a.kill('SIGTERM');
        b.signal('SIGCONT');
        await b.waitForLog(/restored \d+ lead states|scorestream run: consuming/, 2, 120_000).catch(() => undefined);
        base += events.length;
        await pipe.produceInOrder(thirds[2] ?? [], base);

        const outputs = await pipe.read(pipe.names.outputs.lead_scorer, events.length, 240_000);
        // Read again after a pause: a late duplicate would show now.
        await new Promise((r) => setTimeout(r, 5_000));
        const all = await pipe.readAll(pipe.names.outputs.lead_scorer);
        expect(outputs.length).toBeGreaterThanOrEqual(events.length);
        expect(auditOutputs(new Map([['lead_scorer', all]]))).toEqual({ outputs: events.length, distinct: events.length, duplicates: 0 });

        const expected = await expectedScores(history.propertyEvents, events);
        const wrong: string[] = [];
        for (const m of all) {
          const v = (await pipe.registry.decode(m.value as Buffer)) as LeadScore;
          if (v.conversion_probability !== expected.get(v.event_id)?.lead) wrong.push(v.event_id);
        }
        expect(wrong).toEqual([]);
      } finally {
        for (const p of procs) await p.kill('SIGKILL').catch(() => undefined);
        await pipe.cleanup();
      }
    });
  }
});
