import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import { createTopics } from '../../../src/topics/create';
import { ChildProcessor } from '../../helpers/child-processor';
import { freePorts } from '../../helpers/free-ports';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * The alert rules and the dashboard query what `scorestream run` exports: every metric name they
 * use is on a live /metrics, scraped from real processes that scored records. And the consumer lag
 * gauge, which the lag alerts sum over instances, names each partition on one instance only: a
 * member that gave a partition away stops reporting it.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const METRIC_NAME = /scorestream_[a-z0-9_]+/g;
const PARTITIONS = 4;

function usedNames(): Map<string, string[]> {
  const names = (file: string): string[] => [...new Set(fs.readFileSync(path.join(ROOT, file), 'utf8').match(METRIC_NAME) ?? [])];
  return new Map([
    ['deploy/prometheus/alerts.yml', names('deploy/prometheus/alerts.yml')],
    ['deploy/grafana/scorestream.json', names('deploy/grafana/scorestream.json')],
  ]);
}

/** Names a scrape declares (# TYPE), with the series names a histogram or summary shows. */
function declaredNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const s of suffixes) out.add(`${name}${s}`);
  }
  return out;
}

const lagPartitions = (text: string): string[] => [...text.matchAll(/^scorestream_consumer_lag_records\{topic="[^"]*lead\.events",partition="(\d+)"\} /gm)].map((m) => m[1] as string).sort();

describe('metric names of the alerts and the dashboard, against a live /metrics', () => {
  const pipe = new TestPipeline();
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-metric-names-'));
  const processes: ChildProcessor[] = [];
  let ports: number[];

  beforeAll(async () => {
    await pipe.admin.connect();
    await createTopics(pipe.admin, pipe.registry, pipe.names, PARTITIONS, 1);
    ports = await freePorts(2);
  }, 60_000);

  afterAll(async () => {
    for (const p of processes) await p.kill('SIGTERM').catch(() => undefined);
    await pipe.cleanup();
    fs.rmSync(logs, { recursive: true, force: true });
  }, 90_000);

  const start = async (i: number): Promise<ChildProcessor> => {
    const p = new ChildProcessor(pipe.env({ SCORESTREAM_TOPICS_PARTITIONS: String(PARTITIONS), SCORESTREAM_HTTP_PORT: String(ports[i]), SCORESTREAM_STATE_DIR: path.join(logs, `state-${i}`) }), path.join(logs, `run-${i}.log`));
    processes.push(p);
    p.start();
    await p.waitForLog(/scorestream run: consuming/, 1, 90_000);
    return p;
  };
  const scrape = async (i: number): Promise<string> => (await fetch(`http://127.0.0.1:${ports[i]}/metrics`)).text();

  it('every name the rules and the dashboard use is exported, and the new series carry data', async () => {
    await start(0);
    await pipe.produceInOrder(Array.from({ length: 40 }, (_, i) => leadEvent(i)));
    // A record no Avro reader can read, so the DLQ counter has a series too.
    const raw = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.send({ topic: pipe.names.lead, messages: [{ key: 'lead-bad', value: Buffer.from('not avro') }] });
    await raw.disconnect();
    await pipe.read(pipe.names.outputs.lead_scorer, 40);
    await pipe.read(pipe.names.dlq(pipe.names.lead), 1);
    let text = '';
    for (let tries = 0; tries < 50 && !/^scorestream_records_dlq_total\{/m.test(text); tries++) {
      text = await scrape(0);
      await new Promise((r) => setTimeout(r, 200));
    }
    const declared = declaredNames(text);
    for (const [file, names] of usedNames()) {
      expect(names.length).toBeGreaterThan(10);
      expect({ file, missing: names.filter((n) => !declared.has(n)) }).toEqual({ file, missing: [] });
    }
    expect(text).toMatch(/^scorestream_model_serving\{model="lead_scorer",version="\d+\.\d+\.\d+",precision="[a-z0-9-]+"\} 1$/m);
    expect(text).toMatch(/^scorestream_model_serving\{model="churn_predictor",version="\d+\.\d+\.\d+",precision="[a-z0-9-]+"\} 1$/m);
    expect(Number(/^scorestream_rebalances_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^scorestream_records_dlq_total\{topic="[^"]+lead\.events",reason="bad_magic"\} 1$/m);
    expect(text).toMatch(/^scorestream_nodejs_eventloop_lag_p99_seconds /m);
  }, 240_000);

  it('after a second instance joins, each partition has its lag on one instance only', async () => {
    await start(1);
    // Records in every partition after the rebalance, so both members fetch and report lag.
    const deadline = Date.now() + 120_000;
    let first: string[] = [];
    let second: string[] = [];
    for (let round = 0; Date.now() < deadline; round++) {
      await pipe.produceInOrder(Array.from({ length: 20 }, (_, i) => leadEvent(1000 + round * 20 + i)));
      await new Promise((r) => setTimeout(r, 1_000));
      first = lagPartitions(await scrape(0));
      second = lagPartitions(await scrape(1));
      if (second.length > 0 && first.length + second.length >= PARTITIONS && first.length < PARTITIONS) break;
    }
    expect(second.length).toBeGreaterThan(0);
    expect(first.length).toBeGreaterThan(0);
    expect(first.filter((p) => second.includes(p))).toEqual([]);
  }, 240_000);
});
