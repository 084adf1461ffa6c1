import type { EngagementEvent, LeadEvent, LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { auditOutputs } from '../../helpers/audit';
import { startTwoInstances } from '../../helpers/two-instances';
import { TestPipeline, expectedScores } from '../../helpers/pipeline';

/**
 * A zombie: one of two `scorestream run` instances is paused (SIGSTOP) while records stream in,
 * so that it stops with batches in flight, for longer than its session. The other takes its
 * partition and commits past it. When the paused one comes back (SIGCONT), whatever it computed
 * before the pause is fenced: it must neither commit it nor die of it, but join the group again,
 * take what it is given from the committed offsets with its state caught up, and go on; with the
 * other instance still there, or stopped meanwhile (it comes back alone and gets everything).
 */
jest.setTimeout(400_000);

const MODELS = ['lead_scorer', 'property_matcher', 'churn_predictor'] as const;

/** Produces `events` in chunks at a steady pace, each stamped in the order given. */
async function stream(pipe: TestPipeline, events: readonly (LeadEvent | EngagementEvent)[], base: number, chunk: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    await pipe.produceInOrder(events.slice(i, i + chunk), base + i);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

describe('an instance paused with batches in flight, past its session, that comes back', () => {
  for (const alone of [false, true]) {
    it(alone ? 'after the other instance stopped (it comes back alone)' : 'while the other instance goes on', async () => {
      const pipe = new TestPipeline();
      const procs: ChildProcessor[] = [];
      try {
        await pipe.setUp();
        const history = generateHistory({ leads: 200, seed: alone ? 11 : 12 });
        await pipe.produce(pipe.names.property, history.propertyEvents);
        const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
        const [a, b] = await startTwoInstances(pipe, 'zombie', procs);

        // Records keep coming through the pause, so B stops in the middle of its work.
        const feeding = stream(pipe, events, Date.now(), 25, 150);
        await new Promise((r) => setTimeout(r, 4_000));
        b.signal('SIGSTOP');
        // Past B's session: A is given B's partition and commits past where B stopped.
        await new Promise((r) => setTimeout(r, 16_000));
        if (alone) await a.kill('SIGTERM');
        b.signal('SIGCONT');
        await feeding;

        const reads = await Promise.all(MODELS.map((m) => pipe.read(pipe.names.outputs[m], events.length, 240_000)));
        expect(reads.map((r) => r.length >= events.length)).toEqual(MODELS.map(() => true));
        // Read again after a pause: a late duplicate would show now.
        await new Promise((r) => setTimeout(r, 5_000));
        for (const m of MODELS) {
          const all = await pipe.readAll(pipe.names.outputs[m]);
          expect({ model: m, ...auditOutputs(new Map([[m, all]])) }).toEqual({ model: m, outputs: events.length, distinct: events.length, duplicates: 0 });
          if (m !== 'lead_scorer') continue;
          const expected = await expectedScores(history.propertyEvents, events);
          const wrong: string[] = [];
          for (const x of all) {
            const v = (await pipe.registry.decode(x.value as Buffer)) as LeadScore;
            if (v.conversion_probability !== expected.get(v.event_id)?.lead) wrong.push(v.event_id);
          }
          expect(wrong).toEqual([]);
        }
        // The instance that was paused is still up and consuming: fencing is not a reason to die.
        expect(b.running).toBe(true);
        if (!alone) expect(a.running).toBe(true);
      } finally {
        for (const p of procs) await p.kill('SIGKILL').catch(() => undefined);
        await pipe.cleanup();
      }
    });
  }
});
