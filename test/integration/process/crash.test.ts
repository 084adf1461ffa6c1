import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { auditOutputs } from '../../helpers/audit';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * (b) `scorestream run` killed with SIGKILL at random moments while events stream in, and
 * restarted, 5 times: a read_committed consumer then counts, for every (source topic, partition,
 * offset, model), exactly one output: no duplicate, no loss.
 * (c) Two instances in one group, one killed: its partitions move to the other, which restores
 * their state from the changelog, again with no duplicate and no loss.
 */
jest.setTimeout(600_000);

function childEnv(pipe: TestPipeline): Record<string, string> {
  return pipe.env({ SCORESTREAM_CONSUMER_SESSION_TIMEOUT_MS: '6000', SCORESTREAM_CONSUMER_REBALANCE_TIMEOUT_MS: '10000' });
}

/** The audit, with the number of (source, model) pairs expected next to it. */
function audit(records: Map<string, KafkaMessage[]>, expected: number): ReturnType<typeof auditOutputs> & { expected: number } {
  return { ...auditOutputs(records), expected };
}

async function streamWhile(pipe: TestPipeline, events: Parameters<TestPipeline['produce']>[1], topic: string, chunk: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    await pipe.produce(topic, events.slice(i, i + chunk));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Waits until every output topic holds `total` records, then reads each to its end. */
async function outputs(pipe: TestPipeline, total: number): Promise<Map<string, KafkaMessage[]>> {
  const out = new Map<string, KafkaMessage[]>();
  for (const [model, topic] of Object.entries(pipe.names.outputs)) {
    await pipe.read(topic, total, 300_000);
    out.set(model, await pipe.readAll(topic));
  }
  return out;
}

describe('crashes', () => {
  it('(b) SIGKILL at random moments, 5 times: zero duplicates, zero losses', async () => {
    const pipe = new TestPipeline();
    try {
      await pipe.setUp();
      const history = generateHistory({ leads: 160, seed: 41 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      const proc = new ChildProcessor(childEnv(pipe), path.join(pipe.stateDir, '..', `crash-${pipe.id}.log`));
      proc.start();
      const streaming = (async () => {
        await streamWhile(pipe, history.leadEvents, pipe.names.lead, 150, 150);
        await streamWhile(pipe, history.engagementEvents, pipe.names.engagement, 150, 150);
      })();
      let seed = 7;
      const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let kill = 0; kill < 5; kill++) {
        // Kill while it is processing: once this instance consumes, after a random 0.3-2 s.
        await proc.waitForLog(/scorestream run: consuming/, kill + 1);
        await new Promise((r) => setTimeout(r, 300 + random() * 1700));
        await proc.kill('SIGKILL');
        proc.start();
      }
      await streaming;
      const total = history.leadEvents.length + history.engagementEvents.length;
      const result = audit(await outputs(pipe, total), total * 3);
      await proc.kill('SIGTERM');
      // Read again after the last instance stopped: a late duplicate would show now.
      const again = audit(await outputs(pipe, total), total * 3);
      expect(result).toEqual({ duplicates: 0, outputs: total * 3, distinct: total * 3, expected: total * 3 });
      expect(again).toEqual(result);
      expect(proc.starts).toHaveLength(6);
    } finally {
      await pipe.cleanup();
    }
  });

  it('(c) two instances, one killed: its partitions move, state restored, zero duplicates, zero losses', async () => {
    const pipe = new TestPipeline();
    try {
      await pipe.setUp();
      const history = generateHistory({ leads: 160, seed: 43 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      // Separate state directories, as on two machines.
      const a = new ChildProcessor({ ...childEnv(pipe), SCORESTREAM_STATE_DIR: path.join(pipe.stateDir, 'a') }, path.join(pipe.stateDir, '..', `two-a-${pipe.id}.log`));
      const b = new ChildProcessor({ ...childEnv(pipe), SCORESTREAM_STATE_DIR: path.join(pipe.stateDir, 'b') }, path.join(pipe.stateDir, '..', `two-b-${pipe.id}.log`));
      a.start();
      b.start();
      await streamWhile(pipe, history.leadEvents, pipe.names.lead, 200, 100);
      await new Promise((r) => setTimeout(r, 3000));
      await b.kill('SIGKILL');
      await streamWhile(pipe, history.engagementEvents, pipe.names.engagement, 200, 100);
      const total = history.leadEvents.length + history.engagementEvents.length;
      const result = audit(await outputs(pipe, total), total * 3);
      await a.kill('SIGTERM');
      expect(result).toEqual({ duplicates: 0, outputs: total * 3, distinct: total * 3, expected: total * 3 });
    } finally {
      await pipe.cleanup();
    }
  });
});
