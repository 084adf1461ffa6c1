import fs from 'node:fs';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { parseBound } from '../../../src/replay/range';
import { runReplay, type ReplayOptions, type ReplaySummary } from '../../../src/replay/replay';
import type { EngagementEvent, LeadEvent, LeadScore } from '../../../src/schemas/types';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { TestPipeline, expectedScores, header } from '../../helpers/pipeline';

/**
 * Replay against the real broker, registry, RocksDB and ONNX Runtime. One synthetic history, in
 * event-time order, goes to lead.events and engagement.events; a live processor pinned to
 * lead_scorer 1.0.0 scores it. Then, on a range of lead.events in the middle of it:
 * (c) a replay with 1.0.0 reproduces the live scores exactly (state rebuilt from the history
 *     before the range, as-of property joins);
 * (e) a dry run with 1.1.0 publishes nothing and reports how many scores change;
 * (a) a real replay with 1.1.0 into lead.scores while the live processor goes on with new events:
 *     the live outputs and offsets are as without the replay, the replay writes one record per
 *     event in the range with 1.1.0's headers and x-replay-run, and its changes match the report;
 * (b) a replay killed with SIGKILL midway and resumed under the same run id: one record per event.
 */
jest.setTimeout(600_000);

type Event = LeadEvent | EngagementEvent;
const source = (m: KafkaMessage): string => `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`;

describe('scorestream replay', () => {
  const pipe = new TestPipeline();
  const history = generateHistory({ leads: 260, seed: 23 });
  const ordered: Event[] = [...history.leadEvents, ...history.engagementEvents]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.occurred_at - b.e.occurred_at || a.i - b.i)
    .map((x) => x.e);
  const wave1 = ordered.slice(0, Math.floor(ordered.length * 0.75));
  const wave2 = ordered.slice(wave1.length);
  const k1 = Math.floor(wave1.length * 0.4);
  const k2 = Math.floor(wave1.length * 0.7);
  let base = 0;
  const liveEnv = { SCORESTREAM_MODELS_LEAD_SCORER_VERSION: '1.0.0' };
  /** Event ids of the lead events in the replayed range. */
  const inRange = new Set(wave1.slice(k1, k2).filter((e) => !('engagement_type' in e)).map((e) => e.event_id));
  let liveByEvent: Map<string, { message: KafkaMessage; value: LeadScore }>;

  const config = () => pipe.config(liveEnv);
  const replay = (options: Partial<ReplayOptions>, lines: string[] = []): Promise<ReplaySummary> =>
    runReplay(
      config(),
      pipe.kafka,
      pipe.registryUrl,
      {
        topic: 'lead.events',
        from: parseBound('--from', new Date(base + k1).toISOString()),
        to: parseBound('--to', new Date(base + k2).toISOString()),
        model: 'lead_scorer',
        version: '1.1.0',
        rate: 0,
        runId: 'r1',
        dryRun: false,
        ...options,
      },
      (line) => lines.push(line),
    );
  const decodeAll = async (records: KafkaMessage[]): Promise<{ message: KafkaMessage; value: LeadScore }[]> =>
    Promise.all(records.map(async (message) => ({ message, value: (await pipe.registry.decode(message.value as Buffer)) as LeadScore })));

  beforeAll(async () => {
    await pipe.setUp();
    await pipe.produce(pipe.names.property, history.propertyEvents);
    base = await pipe.produceInOrder(wave1);
    await pipe.startProcessor(liveEnv);
  });
  afterAll(() => pipe.cleanup());

  it('the live processor scores in event-time order across both inputs, whatever the fetches', async () => {
    const expected = await expectedScores(history.propertyEvents, wave1, '1.0.0');
    await pipe.read(pipe.names.outputs.lead_scorer, expected.size);
    const all = await decodeAll(await pipe.readAll(pipe.names.outputs.lead_scorer));
    liveByEvent = new Map(all.map((o) => [o.value.event_id, o]));
    expect(all).toHaveLength(expected.size);
    for (const o of all) expect([o.value.event_id, o.value.conversion_probability]).toEqual([o.value.event_id, expected.get(o.value.event_id)?.lead]);
    expect(inRange.size).toBeGreaterThan(100);
  });

  it('(c) a replay with the version live used reproduces the live scores exactly', async () => {
    const output = `${pipe.names.outputs.lead_scorer}.replay-c`;
    const summary = await replay({ version: '1.0.0', runId: 'c', output });
    expect(summary.rebuildSeconds).toBeGreaterThan(0);
    const replayed = await decodeAll(await pipe.readAll(output));
    expect(replayed.map((r) => r.value.event_id).sort()).toEqual([...inRange].sort());
    for (const r of replayed) {
      const l = liveByEvent.get(r.value.event_id);
      expect(source(r.message)).toBe(source(l?.message as KafkaMessage));
      expect({ ...r.value, scored_at: 0 }).toEqual({ ...l?.value, scored_at: 0 });
      expect([header(r.message, 'x-model-version'), header(r.message, 'x-replay-run')]).toEqual(['1.0.0', 'c']);
    }
    await pipe.admin.deleteTopics({ topics: [output] });
  });

  let report: NonNullable<ReplaySummary['report']>;

  it('(e) a dry run publishes nothing and reports the changes', async () => {
    const before = await endOffsets(pipe, [...Object.values(pipe.names.outputs), pipe.names.dlq(pipe.names.lead)]);
    const topicsBefore = new Set(await pipe.admin.listTopics());
    const groupsBefore = new Set((await pipe.admin.listGroups()).groups.map((g) => g.groupId));
    const summary = await replay({ dryRun: true, runId: 'dry' });
    report = summary.report as NonNullable<ReplaySummary['report']>;
    expect(await endOffsets(pipe, [...Object.values(pipe.names.outputs), pipe.names.dlq(pipe.names.lead)])).toEqual(before);
    expect(new Set(await pipe.admin.listTopics())).toEqual(topicsBefore);
    expect((await pipe.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !groupsBefore.has(g) && g.includes('replay'))).toEqual([]);
    expect(report).toMatchObject({ model: 'lead_scorer', version: '1.1.0', rescored: inRange.size, compared: inRange.size, missingPrevious: 0, previousVersions: { '1.0.0': inRange.size } });
    expect(report.changed).toBeGreaterThan(0);
    expect(report.histogram.reduce((n, b) => n + b.count, 0)).toBe(report.changed);
  });

  it('(a) a replay while the live processor runs leaves the live group alone and writes one record per event in the range', async () => {
    const liveEvents = wave1.length + wave2.length;
    const replaying = replay({ runId: 'a' });
    await pipe.produceInOrder(wave2, base + wave1.length);
    const summary = await replaying;
    expect(summary.rescored).toBeGreaterThanOrEqual(inRange.size);

    const all = await pipe.read(pipe.names.outputs.lead_scorer, liveEvents - 50 + inRange.size);
    await waitForCommitted(pipe, pipe.config().appId);
    const records = await decodeAll(await pipe.readAll(pipe.names.outputs.lead_scorer));
    expect(all.length).toBeLessThanOrEqual(records.length);
    const liveOut = records.filter((r) => header(r.message, 'x-replay-run') === undefined);
    const replayOut = records.filter((r) => header(r.message, 'x-replay-run') === 'a');
    expect(liveOut.length + replayOut.length).toBe(records.length);

    // Live: exactly what a run without the replay gives (every event once, 1.0.0, the same scores), offsets at the end.
    const expected = await expectedScores(history.propertyEvents, [...wave1, ...wave2], '1.0.0');
    expect(liveOut).toHaveLength(expected.size);
    for (const o of liveOut) {
      expect([o.value.event_id, header(o.message, 'x-model-version'), o.value.conversion_probability]).toEqual([o.value.event_id, '1.0.0', expected.get(o.value.event_id)?.lead]);
    }
    const committed = await pipe.admin.fetchOffsets({ groupId: pipe.config().appId, topics: [pipe.names.lead, pipe.names.engagement] });
    const ends = await endOffsets(pipe, [pipe.names.lead, pipe.names.engagement]);
    for (const t of committed) for (const p of t.partitions) expect(p.offset).toBe(ends[`${t.topic}/${p.partition}`]);

    // Replay: one record per event in the range, 1.1.0's headers.
    expect(replayOut.map((r) => r.value.event_id).sort()).toEqual([...inRange].sort());
    for (const r of replayOut) expect([header(r.message, 'x-model-name'), header(r.message, 'x-model-version'), r.value.model_version]).toEqual(['lead_scorer', '1.1.0', '1.1.0']);

    // The dry run's report counted exactly these changes.
    const changed = replayOut.filter((r) => r.value.conversion_probability !== liveByEvent.get(r.value.event_id)?.value.conversion_probability).length;
    expect(changed).toBe(report.changed);

    // The same run id again: nothing more to do.
    const again = await replay({ runId: 'a' });
    expect(again.alreadyComplete).toBe(true);
  });

  it('(b) a replay killed with SIGKILL midway and resumed with the same run id writes each record once', async () => {
    const output = `${pipe.names.outputs.lead_scorer}.replay-b`;
    const args = ['replay', '--topic', 'lead.events', '--from', new Date(base + k1).toISOString(), '--to', new Date(base + k2).toISOString(), '--model', 'lead_scorer@1.1.0', '--output', output, '--run-id', 'b'];
    const log = path.join(pipe.stateDir, 'replay-b.log');
    const first = new ChildProcessor(pipe.env(), log, [...args, '--rate', '30']);
    first.start();
    await first.waitForLog(/replay b: [1-9][\d,]*\/[\d,]+ \(/, 1, 120_000);
    await first.kill('SIGKILL');
    const partial = (await pipe.readAll(output)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(inRange.size);

    const second = new ChildProcessor(pipe.env(), log, args);
    second.start();
    expect(await second.exit(240_000)).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/resuming/);
    const records = await decodeAll(await pipe.readAll(output));
    expect(records.map((r) => r.value.event_id).sort()).toEqual([...inRange].sort());
    const sources = new Set(records.map((r) => source(r.message)));
    expect(sources.size).toBe(records.length);
    await pipe.admin.deleteTopics({ topics: [output] });
  });
});

async function endOffsets(pipe: TestPipeline, topics: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of topics) for (const o of await pipe.admin.fetchTopicOffsets(t)) out[`${t}/${o.partition}`] = o.high;
  return out;
}

async function waitForCommitted(pipe: TestPipeline, groupId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ends = await endOffsets(pipe, [pipe.names.lead, pipe.names.engagement]);
    const committed = await pipe.admin.fetchOffsets({ groupId, topics: [pipe.names.lead, pipe.names.engagement] });
    const behind = committed.flatMap((t) => t.partitions.filter((p) => BigInt(p.offset) < BigInt(ends[`${t.topic}/${p.partition}`] as string)));
    if (behind.length === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

