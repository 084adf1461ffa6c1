import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { logLevel, type KafkaMessage } from 'kafkajs';
import { createKafka } from '../../../src/kafka/client';
import { isAlive, findProcesses, markerFor } from '../../../src/local/processes';
import { bootstrapServers, localServicesOptions, type LocalServicesOptions } from '../../../src/local/options';
import { servicesDown, servicesUp } from '../../../src/local/services';
import { sleep } from '../../../src/local/wait';
import { generateHistory } from '../../../src/synth/generate';
import { ChildProcessor } from '../../helpers/child-processor';
import { freePorts } from '../../helpers/free-ports';
import { auditOutputs } from '../../helpers/audit';
import { TestPipeline, header } from '../../helpers/pipeline';
import { readToEnd, readTopic } from '../../helpers/read-topic';

/**
 * The broker goes away (SIGKILL) with transactions in flight, stays away longer than the
 * producers' transaction timeout (the transactions open at the kill have expired when it is
 * back), and comes back on the same ports and data. `scorestream run` must resume by itself:
 * records produced after the broker is back get their outputs, the process is still running,
 * and every input record has exactly one output per model (read_committed), none lost, none twice.
 *
 * The broker is this test's own single KRaft node (free ports, its own data directory, a small
 * heap): the shared test broker is never stopped. The registry is the shared one.
 *
 * How long recovery took (broker accepting connections / answering again -> first output of a
 * record produced after it) is logged and appended to $TMPDIR/broker-outage-timings.jsonl. The
 * one bound on time is a correctness bound, explained where it is checked.
 */
jest.setTimeout(300_000);

/** The transactional producers' transaction.timeout.ms (src/process/producers.ts). */
const TRANSACTION_TIMEOUT_MS = 60_000;
/** Down past the transaction timeout, so the broker finds the in-flight transactions expired. */
const DOWN_MS = TRANSACTION_TIMEOUT_MS + 5_000;

/** A home of its own for one Kafka node (free ports, own data), sharing the downloads of the main one. */
async function scratchBroker(): Promise<LocalServicesOptions> {
  const shared = localServicesOptions();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-outage-'));
  fs.symlinkSync(path.join(shared.home, 'artifacts'), path.join(home, 'artifacts'));
  const [kafka, controller, registry] = (await freePorts(3)).map(String);
  return localServicesOptions({
    ...process.env,
    SCORESTREAM_HOME: home,
    SCORESTREAM_LOCAL_KAFKA_PORT: kafka as string,
    SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: controller as string,
    SCORESTREAM_LOCAL_REGISTRY_PORT: registry as string,
    SCORESTREAM_LOCAL_KAFKA_HEAP: '512m',
  });
}

/** Resolves with the time the port first accepts a TCP connection (NaN if it has not within `withinMs`). */
async function acceptsAt(port: number, withinMs: number): Promise<number> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return Date.now();
    await sleep(50);
  }
  return Number.NaN;
}

describe('broker outage', () => {
  it('after the broker was down past the transaction timeout, processing resumes by itself: one output per record and model', async () => {
    const broker = await scratchBroker();
    let pipe: TestPipeline | undefined;
    let proc: ChildProcessor | undefined;
    const logFile = path.join(os.tmpdir(), `broker-outage-${path.basename(broker.home)}.log`);
    try {
      await servicesUp(broker, ['kafka']);
      pipe = new TestPipeline([bootstrapServers(broker)]);
      await pipe.setUp();
      const { sessionTimeoutMs } = pipe.config();
      const history = generateHistory({ leads: 160, seed: 47 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      // Recovery as deployed: KafkaJS's retry defaults depend on NODE_ENV, which jest sets to "test".
      proc = new ChildProcessor(pipe.env({ NODE_ENV: 'production' }), logFile);
      proc.start();
      const running = proc;
      // A processor that gave up (its consumer gone for good) exits: that fails the test at once.
      const exited = running.exit(600_000).then((code) => {
        throw new Error(`scorestream run exited (code ${code}) instead of resuming after the broker came back; see ${logFile}`);
      });
      exited.catch(() => undefined);
      await proc.waitForLog(/scorestream run: consuming/, 1);

      // Before the outage: every lead event and most engagements, all scored. Then a last burst,
      // and the broker is killed the moment a read_uncommitted reader sees its first outputs: the
      // transaction that wrote them is then still open, and others are under way.
      const cut = history.engagementEvents.length - 1500;
      const scoredBefore = history.leadEvents.length + cut - 1500;
      await pipe.produce(pipe.names.lead, history.leadEvents);
      await pipe.produce(pipe.names.engagement, history.engagementEvents.slice(0, cut - 1500));
      await Promise.race([pipe.read(pipe.names.outputs.lead_scorer, scoredBefore, 120_000), exited]);
      const jvm = findProcesses(markerFor('kafka', broker.home));
      expect(jvm).toHaveLength(1);
      const watcher = createKafka({ brokers: pipe.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `${pipe.names.outputs.lead_scorer}-watch`, readUncommitted: true, maxWaitTimeInMs: 10 });
      let seen = 0;
      let done = false;
      let kill: () => void = () => undefined;
      const killed = new Promise<void>((resolve) => (kill = resolve));
      await watcher.connect();
      await watcher.subscribe({ topic: pipe.names.outputs.lead_scorer, fromBeginning: true });
      await watcher.run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen <= scoredBefore || done) return;
          done = true;
          for (const p of jvm) process.kill(p.pid, 'SIGKILL');
          kill();
        },
      });
      await pipe.produce(pipe.names.engagement, history.engagementEvents.slice(cut - 1500, cut));
      await Promise.race([killed, exited]);
      void watcher.disconnect().catch(() => undefined);
      while (jvm.some((p) => isAlive(p.pid))) await sleep(20);
      const killedAt = Date.now();
      await sleep(DOWN_MS);

      const accepting = acceptsAt(broker.kafkaPort, broker.readyTimeoutMs);
      await servicesUp(broker, ['kafka']);
      const answeredAt = Date.now();
      const acceptedAt = await accepting;
      // After the outage: records that exist only on the broker that came back.
      const after = history.engagementEvents.slice(cut);
      const fresh = new Set(after.map((e) => e.event_id));
      const isFresh = (m: KafkaMessage): boolean => fresh.has(header(m, 'x-event-id') ?? '');
      await pipe.produce(pipe.names.engagement, after);

      const firstOutputs = await Promise.race([
        readTopic(pipe.kafka, { topic: pipe.names.outputs.lead_scorer, groupId: `${pipe.names.outputs.lead_scorer}-fresh`, readCommitted: true, until: (records) => records.some(isFresh), timeoutMs: 180_000 }),
        exited,
      ]);
      const firstFresh = Math.min(...firstOutputs.filter(isFresh).map((m) => Number(m.timestamp)));

      const total = history.leadEvents.length + history.engagementEvents.length;
      const outputs = new Map<string, KafkaMessage[]>();
      for (const [model, topic] of Object.entries(pipe.names.outputs)) {
        await Promise.race([pipe.read(topic, total, 180_000), exited]);
        outputs.set(model, await pipe.readAll(topic));
      }
      // Records of transactions the broker aborted show read_uncommitted only: one means a
      // transaction was open when the broker was killed.
      const uncommitted = await readToEnd(pipe.kafka, pipe.admin, { topic: pipe.names.outputs.lead_scorer, groupId: `${pipe.names.outputs.lead_scorer}-uncommitted`, readCommitted: false, timeoutMs: 60_000 });
      const timings = {
        downS: (acceptedAt - killedAt) / 1000,
        acceptToFirstNewOutputS: (firstFresh - acceptedAt) / 1000,
        answeredToFirstNewOutputS: (firstFresh - answeredAt) / 1000,
        acceptToAnsweredS: (answeredAt - acceptedAt) / 1000,
        abortedOutputs: uncommitted.length - (outputs.get('lead_scorer')?.length ?? 0),
      };
      console.log(`broker outage recovery: ${JSON.stringify(timings)}`);
      fs.appendFileSync(path.join(os.tmpdir(), 'broker-outage-timings.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), ...timings })}\n`);

      expect(proc.running).toBe(true);
      expect(auditOutputs(outputs)).toEqual({ duplicates: 0, outputs: total * 3, distinct: total * 3 });
      // The one bound on time, a correctness bound: KafkaJS cannot leave the group while the broker
      // is away, so the consumer it restarts meanwhile joins as a new member, and a join that waits
      // out the old member's session (consumer.sessionTimeoutMs after the broker is back) cannot
      // deliver within half of it. Recovery without that wait takes a few seconds.
      const boundMs = sessionTimeoutMs / 2;
      if (firstFresh - answeredAt > boundMs) {
        throw new Error(`the first output of a record produced after the broker came back took ${(firstFresh - answeredAt) / 1000} s from the broker answering, more than half of consumer.sessionTimeoutMs (${boundMs / 1000} s); see ${logFile}`);
      }
      await proc.kill('SIGTERM');
    } catch (err: unknown) {
      if (fs.existsSync(logFile)) process.stderr.write(`scorestream run log (${logFile}) ends:\n${fs.readFileSync(logFile, 'utf8').slice(-6000)}\n`);
      throw err;
    } finally {
      await proc?.kill('SIGKILL');
      await pipe?.cleanup();
      await servicesDown(broker);
      fs.rmSync(broker.home, { recursive: true, force: true });
    }
  });
});
