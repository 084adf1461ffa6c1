import fs from 'node:fs';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import type { LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { auditOutputs } from '../../helpers/audit';
import { freePorts } from '../../helpers/free-ports';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * `scorestream run` with processing.threads=2: two stream threads in one process, each a member of
 * the group with its own partition. Seen from outside it is one processor: one /readyz, one
 * /healthz with each thread's partitions, one /metrics with the threads' counts summed and the
 * process's own metrics once, one model switch that reaches both threads, one SIGTERM that stops
 * both and exits 0. Started again with one thread, that thread takes the partition the other
 * thread's store held, caught up from the changelog. Every record is scored once, by the version
 * serving when it was processed, with the score the in-order computation gives.
 */
jest.setTimeout(300_000);

const MODELS = ['lead_scorer', 'property_matcher', 'churn_predictor'] as const;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The sum of a metric's samples in Prometheus text, over every label set that matches `labels`. */
function sample(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('scorestream run with two stream threads', () => {
  it('splits the partitions between its threads and is one processor to the outside', async () => {
    const pipe = new TestPipeline();
    const [httpPort, adminPort] = await freePorts(2);
    const log = path.join(pipe.stateDir, '..', `stream-threads-${pipe.id}.log`);
    const single = new ChildProcessor(pipe.env(), path.join(pipe.stateDir, '..', `stream-threads-single-${pipe.id}.log`));
    const proc = new ChildProcessor(
      pipe.env({ SCORESTREAM_PROCESSING_THREADS: '2', SCORESTREAM_HTTP_HOST: '127.0.0.1', SCORESTREAM_HTTP_PORT: String(httpPort), SCORESTREAM_HTTP_ADMIN: 'true', SCORESTREAM_HTTP_ADMIN_PORT: String(adminPort) }),
      log,
    );
    const http = `http://127.0.0.1:${httpPort}`;
    try {
      await pipe.setUp();
      const history = generateHistory({ leads: 80, seed: 23 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      const events = [...history.leadEvents, ...history.engagementEvents].sort((x, y) => x.occurred_at - y.occurred_at);
      const third = Math.floor(events.length / 3);
      const [first, second, last] = [events.slice(0, third), events.slice(third, 2 * third), events.slice(2 * third)];

      proc.start();
      await proc.waitForLog(/scorestream run: consuming .* with 2 stream threads/, 1);
      await until('/readyz 200', async () => ((await fetch(`${http}/readyz`)).status === 200 ? true : undefined));
      // Two members of the group, one per thread, each with one of the two partitions.
      const { groups } = await pipe.admin.describeGroups([`t${pipe.id}`]);
      expect(groups[0]?.members).toHaveLength(2);
      const health = (await (await fetch(`${http}/healthz`)).json()) as { ok: boolean; partitions: number[]; threads: { partitions: number[] }[] };
      expect(health.ok).toBe(true);
      expect(health.partitions).toEqual([0, 1]);
      expect(health.threads.map((t) => t.partitions).sort()).toEqual([[0], [1]]);

      const base = await pipe.produceInOrder(first);
      await pipe.read(pipe.names.outputs.lead_scorer, first.length);
      const switched = await fetch(`http://127.0.0.1:${adminPort}/models/lead_scorer?version=1.0.0`, { method: 'POST' });
      expect(await switched.json()).toEqual({ model: 'lead_scorer', version: '1.0.0' });
      await pipe.produceInOrder(second, base + first.length);
      for (const m of MODELS) await pipe.read(pipe.names.outputs[m], first.length + second.length);

      const metrics = await until('every input counted in /metrics', async () => {
        const text = await (await fetch(`${http}/metrics`)).text();
        return sample(text, 'scorestream_records_in_total') === first.length + second.length ? text : undefined;
      });
      expect(sample(metrics, 'scorestream_records_out_total', `topic="${pipe.names.outputs.lead_scorer}"`)).toBe(first.length + second.length);
      expect(sample(metrics, 'scorestream_ready')).toBe(1);
      // The process's own metrics once, not once per thread.
      expect(metrics.match(/^scorestream_process_cpu_seconds_total /gm)).toHaveLength(1);
      // Each model put into service once per version, whatever the number of threads.
      expect(sample(metrics, 'scorestream_model_swaps_total', 'model="lead_scorer",version="1.0.0"')).toBe(1);

      await proc.kill('SIGTERM');
      expect(await proc.exit(1_000)).toBe(0);
      // Both threads' log lines, each with its number.
      const lines = fs.readFileSync(log, 'utf8');
      expect(lines).toMatch(/"thread":0/);
      expect(lines).toMatch(/"thread":1/);

      // One thread now: it has thread 0's store, and partition 1's state only in the changelog.
      single.start();
      await single.waitForLog(/scorestream run: consuming/, 1);
      await pipe.produceInOrder(last, base + first.length + second.length);
      for (const m of MODELS) await pipe.read(pipe.names.outputs[m], events.length);
      await single.kill('SIGTERM');

      const before = await expectedScores(history.propertyEvents, events);
      const after = await expectedScores(history.propertyEvents, events, '1.0.0');
      const secondIds = new Set(second.map((e) => e.event_id));
      for (const m of MODELS) {
        const all = await pipe.readAll(pipe.names.outputs[m]);
        expect({ model: m, ...auditOutputs(new Map([[m, all]])) }).toEqual({ model: m, outputs: events.length, distinct: events.length, duplicates: 0 });
        if (m !== 'lead_scorer') continue;
        const wrong: string[] = [];
        for (const r of all as KafkaMessage[]) {
          const v = (await pipe.registry.decode(r.value as Buffer)) as LeadScore;
          const pinned = secondIds.has(v.event_id);
          if (header(r, 'x-model-version') !== (pinned ? '1.0.0' : '1.1.0')) wrong.push(`${v.event_id}: version ${header(r, 'x-model-version')}`);
          if (v.conversion_probability !== (pinned ? after : before).get(v.event_id)?.lead) wrong.push(`${v.event_id}: score`);
        }
        expect(wrong).toEqual([]);
      }
    } finally {
      await proc.kill('SIGKILL').catch(() => undefined);
      await single.kill('SIGKILL').catch(() => undefined);
      await pipe.cleanup();
    }
  });
});
