import { Partitioners, type KafkaMessage } from 'kafkajs';
import { valueSubject } from '../../../src/topics/names';
import type { LeadScore } from '../../../src/schemas/types';
import { CliProcess, runCli } from '../../helpers/cli';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * `scorestream tail` as a user runs it, against what a processor wrote (and what a transaction
 * that was aborted left in the log): compact lines, JSON lines, the last N, --from, --key,
 * --follow with Ctrl-C, a DLQ, and usage errors.
 */
const LEADS = 30;
const LINE = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z {2}lead-\d+ {2}0\.\d{3} (LOW |MEDIUM|HIGH) {2}.+ {2}lead_scorer \d+\.\d+\.\d+ {2}<- test\.\w+\.lead\.events\/\d+@\d+$/;

describe('scorestream tail', () => {
  const pipe = new TestPipeline();
  let scores: KafkaMessage[];

  beforeAll(async () => {
    await pipe.setUp();
    await pipe.startProcessor();
    await pipe.produceInOrder(Array.from({ length: LEADS }, (_, i) => leadEvent(i)));
    scores = await pipe.read(pipe.names.outputs.lead_scorer, LEADS);
    // A transaction that writes a score and aborts: read_committed never shows it.
    const producer = pipe.kafka.producer({ transactionalId: `${pipe.id}-aborted`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.outputs.lead_scorer));
    const aborted: LeadScore = { lead_id: 'lead-aborted', event_id: 'e-aborted', scored_at: Date.now(), conversion_probability: 0.5, score_band: 'HIGH', top_reasons: [], model_name: 'lead_scorer', model_version: '9.9.9', fallback: null };
    const tx = await producer.transaction();
    await tx.send({ topic: pipe.names.outputs.lead_scorer, messages: [{ key: 'lead-aborted', value: await pipe.registry.encode(id, aborted) }] });
    await tx.abort();
    await producer.disconnect();
    // A record that is not Avro at all, from some other client: the processor sends it to the DLQ.
    const raw = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.send({ topic: pipe.names.lead, messages: [{ key: 'lead-garbage', value: Buffer.from('not avro at all') }] });
    await raw.disconnect();
    await pipe.read(pipe.names.dlq(pipe.names.lead), 1);
  }, 300_000);

  afterAll(() => pipe.cleanup(), 60_000);

  it('prints the last 10 scores by default, one compact line each, in time order', async () => {
    const out = await runCli(['tail', 'lead.scores'], pipe.env());
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    for (const line of lines) expect(line).toMatch(LINE);
    const latest = scores
      .map((m) => ({ t: Number(m.timestamp), lead: (m.key as Buffer).toString() }))
      .sort((a, b) => a.t - b.t)
      .slice(-10);
    const times = lines.map((l) => Date.parse(l.slice(0, 24)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual((latest[0] as { t: number }).t);
    expect(out.stdout).not.toContain('lead-aborted');
    const matches = await runCli(['tail', 'property.matches', '--limit', '1'], pipe.env());
    expect(matches.stdout.trim()).toMatch(/^\S+Z {2}lead-\d+ {2}(no match|(\S+ 0\.\d{3}(, )?)+) \(of \d+\) {2}property_matcher \d+\.\d+\.\d+ {2}<- /);
    const churn = await runCli(['tail', 'churn_predictor', '--limit', '1'], pipe.env());
    expect(churn.stdout.trim()).toMatch(/^\S+Z {2}lead-\d+ {2}churn 0\.\d{3} \w+ +\d+ d since engagement {2}churn_predictor \d+\.\d+\.\d+ {2}<- /);
  }, 60_000);

  it('--from earliest --json: every committed score, with its headers, and none of the aborted transaction', async () => {
    const out = await runCli(['tail', 'lead_scorer', '--from', 'earliest', '--json'], pipe.env());
    expect(out.code).toBe(0);
    const records = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; offset: string; headers: Record<string, string>; value: LeadScore });
    expect(records).toHaveLength(LEADS);
    expect(new Set(records.map((r) => r.key))).toEqual(new Set(Array.from({ length: LEADS }, (_, i) => `lead-${i}`)));
    for (const r of records) {
      expect(r.headers['x-model-name']).toBe('lead_scorer');
      expect(r.value.model_version).toBe(r.headers['x-model-version']);
      expect(r.value.conversion_probability).toBeGreaterThan(0);
    }
  }, 60_000);

  it('--key shows one lead; --limit stops; --from a time skips what came before', async () => {
    const one = await runCli(['tail', 'lead.scores', '--from', 'earliest', '--key', 'lead-7'], pipe.env());
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(one.stdout).toContain('  lead-7  ');
    const two = await runCli(['tail', 'lead.scores', '--from', 'earliest', '--limit', '2'], pipe.env());
    expect(two.stdout.trim().split('\n')).toHaveLength(2);
    const later = await runCli(['tail', 'lead.scores', '--from', new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z')], pipe.env());
    expect(later.code).toBe(0);
    expect(later.stdout).toBe('');
    expect(later.stderr).toMatch(/no records in test\.\w+\.lead\.scores from /);
  }, 60_000);

  it('--follow prints records as they are committed, and Ctrl-C ends it and removes its group', async () => {
    const tail = new CliProcess(['tail', 'lead.scores', '--from', 'latest', '--follow'], pipe.env());
    await new Promise((r) => setTimeout(r, 3_000));
    await pipe.produceInOrder([leadEvent(1000), leadEvent(1001)]);
    await tail.waitFor(/lead-1001 /);
    await tail.waitFor(/lead-1000 /);
    tail.child.kill('SIGINT');
    const out = await tail.exited;
    expect(out.code).toBe(0);
    expect(out.stdout.trim().split('\n')).toHaveLength(2);
    const groups = (await pipe.admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups.filter((g) => g.startsWith(`t${pipe.id}-tail-`))).toEqual([]);
  }, 90_000);

  it('a DLQ shows the reason and where the record came from', async () => {
    const out = await runCli(['tail', 'lead.events.dlq'], pipe.env());
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toMatch(/^\S+Z {2}lead-garbage {2}bad_magic {2}<- test\.\w+\.lead\.events\/\d+@\d+ {2}15 bytes {2}first byte is 110, not the Confluent magic byte 0$/);
  }, 60_000);

  it.each([
    [['tail'], /^scorestream: tail: name one topic or model/],
    [['tail', 'lead.scorez'], /^scorestream: tail: topic lead\.scorez does not exist on .*; scorestream's topics: test\.\w+\.lead\.scores, /],
    [['tail', 'lead.scores', '--from', 'yesterday'], /^scorestream: tail: --from=yesterday must be earliest, latest, an offset/],
    [['tail', 'lead.scores', '--partition', '9', '--from', 'earliest'], /^scorestream: tail: --partition=9: test\.\w+\.lead\.scores has partitions 0-1/],
  ])('%j is one line and exit 2', async (args, message) => {
    const out = await runCli(args, pipe.env());
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toMatch(message);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
