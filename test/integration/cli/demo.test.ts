import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProcesses, markerFor } from '../../../src/local/processes';
import { localServicesOptions } from '../../../src/local/options';
import { servicesDown } from '../../../src/local/services';
import { CliProcess, runCli } from '../../helpers/cli';
import { freePorts } from '../../helpers/free-ports';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * The demo as a newcomer runs it: what it shows in a pipe and on a terminal (80 columns), the
 * hottest leads it ends with (leads that were scored), and that a signal at any moment leaves no
 * local service it started behind.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const LEADS = 40;

describe('scorestream demo', () => {
  const pipe = new TestPipeline();
  const env = (): Record<string, string> => pipe.env({ SCORESTREAM_TOPICS_PARTITIONS: '2' });

  beforeAll(() => pipe.setUp(), 60_000);
  afterAll(() => pipe.cleanup(), 60_000);

  it('in a pipe: plain lines of at most 80 columns, then the hottest leads and what to run next', async () => {
    const [http] = await freePorts(1);
    const out = await runCli(['demo', '--leads', String(LEADS), '--rate', '3000', '--seed', '7'], { ...env(), SCORESTREAM_HTTP_PORT: String(http) }, 240_000);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(ANSI);
    const lines = out.stdout.split('\n');
    const shown = lines.filter((l) => !l.startsWith('  [')); // a processor warning is a log line, as long as it is
    for (const l of shown) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.some((l) => /^t=\d+s scored [\d,]+\/[\d,]+ [\d,]+ ev\/s p50 [\d,]+ ms p99 [\d,]+ ms DLQ 0$/.test(l))).toBe(true);
    expect(out.stdout).toMatch(/^models: lead_scorer \d+\.\d+\.\d+ · property_matcher \d+\.\d+\.\d+ · churn_predictor \d+\.\d+\.\d+$/m);
    expect(out.stdout).toMatch(/^scorestream demo: all [\d,]+ events scored$/m);
    const table = lines.slice(lines.findIndex((l) => l.startsWith('hottest leads of this run')));
    expect(table[0]).toBe(`hottest leads of this run (${LEADS} leads scored):`);
    const rows = table.slice(2, 7);
    const probabilities = rows.map((r) => Number(/^lead-\d+ +(\d\.\d\d) /.exec(r)?.[1]));
    expect(probabilities).toHaveLength(5);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    // Every lead in the table was scored in lead.scores, with that probability.
    const scores = await runCli(['tail', 'lead.scores', '--from', 'earliest', '--json'], env());
    const latest = new Map<string, number>();
    for (const r of scores.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: { conversion_probability: number } })) latest.set(r.key, r.value.conversion_probability);
    for (const row of rows) {
      const [lead, p] = row.split(/ +/);
      expect(latest.get(lead as string)?.toFixed(2)).toBe(p);
    }
    expect(out.stdout).toContain('  npx scorestream tail lead.scores --follow');
    expect(out.stdout).toContain(`  curl -s http://127.0.0.1:${http}/metrics`);
  }, 300_000);

  it('on a terminal: a block redrawn in place, each line at most 80 columns', () => {
    // util-linux `script` gives the demo a pseudo-terminal, as a person's shell would.
    const vars = Object.entries(env())
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const command = `cd '${ROOT}' && env ${vars} ${process.execPath} dist/cli/main.js demo --leads ${LEADS} --rate 3000 --seed 8`;
    const r = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, TERM: 'xterm' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('\x1b[4F\x1b[J');
    const screenLines = r.stdout.split(/\r?\n|\x1b\[4F\x1b\[J/).map((l) => l.replace(ANSI, '').replace(/\r/g, ''));
    for (const l of screenLines.filter((x) => !x.startsWith('  ['))) expect([...l].length).toBeLessThanOrEqual(80);
    expect(screenLines.some((l) => /^\[█+░*\] [\d,]+\/[\d,]+ scored +\d+%$/.test(l))).toBe(true);
    expect(screenLines.some((l) => /^[\d,]+ events\/s · p50 /.test(l))).toBe(true);
    expect(r.stdout).toContain('hottest leads of this run');
  }, 300_000);
});

/** Its own local services (a scratch home sharing the verified downloads, on free ports), started by the demo itself. */
const shared = localServicesOptions();
const haveDownloads = fs.existsSync(path.join(shared.home, 'artifacts'));
(haveDownloads ? describe : describe.skip)('scorestream demo stopped by a signal', () => {
  const homes: string[] = [];
  afterAll(async () => {
    for (const home of homes) {
      await servicesDown(localServicesOptions({ SCORESTREAM_HOME: home }));
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  async function demoWithItsOwnServices(): Promise<{ demo: CliProcess; home: string }> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-demo-home-'));
    homes.push(home);
    fs.symlinkSync(path.join(shared.home, 'artifacts'), path.join(home, 'artifacts'));
    const [kafka, controller, registry, http] = (await freePorts(4)).map(String);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-demo-state-'));
    const demo = new CliProcess(['demo', '--leads', '3000', '--rate', '500'], {
      SCORESTREAM_HOME: home,
      SCORESTREAM_LOCAL_KAFKA_PORT: kafka as string,
      SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: controller as string,
      SCORESTREAM_LOCAL_REGISTRY_PORT: registry as string,
      SCORESTREAM_HTTP_PORT: http as string,
      SCORESTREAM_STATE_DIR: stateDir,
      SCORESTREAM_TOPICS_PARTITIONS: '2',
      SCORESTREAM_SHUTDOWN_TIMEOUT_MS: '15000',
    }, 180_000);
    return { demo, home };
  }

  /** Every JVM of `home` gone (a JVM sent SIGTERM takes a few seconds to stop). */
  async function expectNoServices(home: string): Promise<void> {
    const markers = ['kafka', 'registry'].map((s) => markerFor(s, home));
    const deadline = Date.now() + 30_000;
    while (markers.some((m) => findProcesses(m).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(markers.flatMap((m) => findProcesses(m))).toEqual([]);
  }

  it('SIGTERM while the services start stops them', async () => {
    const { demo, home } = await demoWithItsOwnServices();
    await demo.waitFor(/using the local development services/);
    // The moment a JVM of its own is up, and not yet answering.
    const deadline = Date.now() + 30_000;
    while (findProcesses(markerFor('kafka', home)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(findProcesses(markerFor('kafka', home)).length).toBeGreaterThan(0);
    expect(demo.stdout).not.toMatch(/Kafka 4\.2\.0: started/);
    demo.child.kill('SIGTERM');
    await demo.exited;
    await expectNoServices(home);
  }, 240_000);

  it('SIGHUP (the terminal closed) while events stream stops the processor and the services', async () => {
    const { demo, home } = await demoWithItsOwnServices();
    await demo.waitFor(/^t=\d+s scored [1-9]/m);
    demo.child.kill('SIGHUP');
    const out = await demo.exited;
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/stopping the local services it started \(kafka, registry\)/);
    await expectNoServices(home);
  }, 240_000);
});
