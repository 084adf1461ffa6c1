import fs from 'node:fs';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { auditOutputs } from '../../helpers/audit';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * `scorestream run` killed with SIGKILL and started again at once, with the default session
 * timeout (30 s, deliberately not lowered): the dead run never left the group, so the group would
 * hold its member until that session expires, and a rebalance waits for every member it holds.
 * The restarted instance removes its predecessor's member before it joins: at no moment does the
 * group hold the dead member together with the new one, the log says so, and every record
 * produced after the restart has exactly one output per model.
 */
jest.setTimeout(300_000);

async function members(admin: Admin, groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups[0]?.members ?? []).map((m) => m.memberId);
}

describe('an instance killed and started again at once', () => {
  it('removes its dead member before joining, instead of waiting out its session', async () => {
    const pipe = new TestPipeline();
    const log = path.join(pipe.stateDir, '..', `restart-after-kill-${pipe.id}.log`);
    // No session timeout override: the default (30 s) is what a restart must not wait out.
    const proc = new ChildProcessor(pipe.env(), log);
    const groupId = `t${pipe.id}`;
    try {
      await pipe.setUp();
      const history = generateHistory({ leads: 60, seed: 17 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
      const half = Math.floor(events.length / 2);
      const [first, second] = [events.slice(0, half), events.slice(half)];

      proc.start();
      await proc.waitForLog(/scorestream run: consuming/, 1);
      const base = await pipe.produceInOrder(first);
      await pipe.read(pipe.names.outputs.lead_scorer, first.length);
      // One member per stream thread (processing.threads, from the environment of the test run).
      const dead = await members(pipe.admin, groupId);
      expect(dead).toHaveLength(Number(process.env.SCORESTREAM_PROCESSING_THREADS ?? '1'));

      await proc.kill('SIGKILL');
      proc.start();
      // Until the restarted instance has joined ("consuming" follows the join), every look at the
      // group that shows the dead member next to another one is a rebalance held up by the dead member.
      const together = new Set<string>();
      let joined = false;
      const watching = (async () => {
        while (!joined) {
          const now = await members(pipe.admin, groupId).catch((): string[] => []);
          if (now.some((m) => dead.includes(m)) && now.some((m) => !dead.includes(m))) together.add(now.sort().join(' + '));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        await pipe.produceInOrder(second, base + events.length);
        await proc.waitForLog(/scorestream run: consuming/, 2, 120_000);
      } finally {
        joined = true;
        await watching;
      }

      expect([...together]).toEqual([]);
      for (const member of dead) expect(fs.readFileSync(log, 'utf8')).toMatch(new RegExp(`removed this instance's previous group member ${member}`));

      for (const topic of Object.values(pipe.names.outputs)) await pipe.read(topic, events.length);
      // With the instance gone, a late duplicate would show now.
      await proc.kill('SIGTERM');
      for (const topic of Object.values(pipe.names.outputs)) {
        expect({ topic, ...auditOutputs(new Map([[topic, await pipe.readAll(topic)]])) }).toEqual({ topic, outputs: events.length, distinct: events.length, duplicates: 0 });
      }
    } finally {
      await proc.kill('SIGKILL').catch(() => undefined);
      await pipe.cleanup();
    }
  });

  it('with two stream threads, started again with one: both dead threads\' members are removed before it joins', async () => {
    const pipe = new TestPipeline();
    const log = path.join(pipe.stateDir, '..', `restart-fewer-threads-${pipe.id}.log`);
    const two = new ChildProcessor(pipe.env({ SCORESTREAM_PROCESSING_THREADS: '2' }), log);
    const one = new ChildProcessor(pipe.env({ SCORESTREAM_PROCESSING_THREADS: '1' }), log);
    const groupId = `t${pipe.id}`;
    try {
      await pipe.setUp();
      const history = generateHistory({ leads: 30, seed: 19 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
      const half = Math.floor(events.length / 2);

      two.start();
      await two.waitForLog(/scorestream run: consuming/, 1);
      const base = await pipe.produceInOrder(events.slice(0, half));
      await pipe.read(pipe.names.outputs.lead_scorer, half);
      const dead = await members(pipe.admin, groupId);
      expect(dead).toHaveLength(2);

      await two.kill('SIGKILL');
      one.start();
      // The thread-1 member is in no directory a one-thread run has as its own: only the sweep of
      // every thread's directory removes it, else the join waits out its 30 s session.
      await one.waitForLog(/scorestream run: consuming/, 2, 120_000);
      for (const member of dead) expect(fs.readFileSync(log, 'utf8')).toMatch(new RegExp(`removed this instance's previous group member ${member}`));
      expect((await members(pipe.admin, groupId)).filter((m) => dead.includes(m))).toEqual([]);
      await pipe.produceInOrder(events.slice(half), base + events.length);
      await pipe.read(pipe.names.outputs.lead_scorer, events.length);
      await one.kill('SIGTERM');
      for (const topic of Object.values(pipe.names.outputs)) {
        expect({ topic, ...auditOutputs(new Map([[topic, await pipe.readAll(topic)]])) }).toEqual({ topic, outputs: events.length, distinct: events.length, duplicates: 0 });
      }
    } finally {
      await two.kill('SIGKILL').catch(() => undefined);
      await one.kill('SIGKILL').catch(() => undefined);
      await pipe.cleanup();
    }
  });
});
