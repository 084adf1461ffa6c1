import client from 'prom-client';
import { createKafka } from '../../../src/kafka/client';
import { METRIC, createMetrics, type Metrics } from '../../../src/ops/metrics';
import { freePorts } from '../../helpers/free-ports';
import { useTestKafka } from '../../helpers/kafka';
import { testEndpoints } from '../../helpers/services';

/**
 * Conditions KafkaJS retries by itself, provoked on the real broker: CONCURRENT_TRANSACTIONS on a
 * transaction begun right after a commit, and connection attempts to a port nothing listens on.
 * None may reach the log at ERROR (an ERROR line means a person should look); each is counted.
 */
jest.setTimeout(120_000);

interface KafkaLine {
  readonly level: string;
  readonly logger: string;
  readonly msg: unknown;
  readonly [field: string]: unknown;
}

/** KafkaJS's lines as scorestream writes them to stderr (one JSON object a line). */
function captureKafkaLines(): { lines: KafkaLine[]; restore: () => void } {
  const lines: KafkaLine[] = [];
  const original = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(text) as KafkaLine;
        if (parsed.logger === 'kafkajs') {
          lines.push(parsed);
          continue;
        }
      } catch {
        // not a JSON line: someone else's output
      }
    }
    return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
  return { lines, restore: () => spy.mockRestore() };
}

async function retries(metrics: Metrics): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric(METRIC.kafkaRetries)?.get();
  const counts: Record<string, number> = {};
  for (const v of metric?.values ?? []) counts[String(v.labels.kind)] = v.value;
  return counts;
}

describe('KafkaJS retries in the log', () => {
  const t = useTestKafka();
  const { brokers } = testEndpoints();

  it('logs a transaction begun right after a commit (CONCURRENT_TRANSACTIONS, retried) below ERROR, and counts it', async () => {
    // Many partitions: a commit's markers take longer to write, so the next transaction meets them.
    const partitions = 24;
    const topic = await t.createTopic('tx', partitions);
    const metrics = createMetrics(new client.Registry());
    const capture = captureKafkaLines();
    const kafka = createKafka({ brokers, clientId: t.uniqueId('retry-log'), onRetried: (kind) => metrics.kafkaRetries.inc({ kind }) });
    const producer = kafka.producer({ transactionalId: t.uniqueId('tx'), idempotent: true, maxInFlightRequests: 1, retry: { initialRetryTime: 20, maxRetryTime: 500, retries: 1000 } });
    try {
      await producer.connect();
      // The broker finishes a commit (its markers) after answering EndTxn: the next transaction's
      // AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS until then, and KafkaJS retries it.
      // Most transactions here meet it; rounds go on until one did.
      for (let i = 0; i < 300 && ((await retries(metrics)).produce ?? 0) === 0; i++) {
        const tx = await producer.transaction();
        await tx.send({ topic, messages: Array.from({ length: partitions }, (_, partition) => ({ partition, value: `v${i}` })) });
        await tx.commit();
      }
    } finally {
      await producer.disconnect();
      capture.restore();
    }
    const errors = capture.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => `${l.ns as string}: ${String(l.msg)}`)).toEqual([]);
    expect((await retries(metrics)).produce).toBeGreaterThan(0);
    expect((await retries(metrics)).response).toBeGreaterThan(0);
  });

  it('logs connection attempts to a closed port at WARN, rate-limited, counting each', async () => {
    const [port] = await freePorts(1);
    const metrics = createMetrics(new client.Registry());
    const capture = captureKafkaLines();
    const kafka = createKafka({ brokers: [`127.0.0.1:${port as number}`], clientId: t.uniqueId('closed'), retries: 4, onRetried: (kind) => metrics.kafkaRetries.inc({ kind }) });
    const producer = kafka.producer();
    let thrown: unknown;
    try {
      await producer.connect().catch((err: unknown) => (thrown = err));
    } finally {
      capture.restore();
    }
    // The caller still gets the failure once KafkaJS gives up: that is where it is reported.
    expect(thrown).toBeInstanceOf(Error);
    expect(capture.lines.filter((l) => l.level === 'error').map((l) => `${l.ns as string}: ${String(l.msg)}`)).toEqual([]);
    // Five attempts, each a "Connection error" and a "Failed to connect to seed broker", all
    // counted; written at WARN, fewer lines than that (one a kind per 10 s: see the unit test).
    const warned = capture.lines.filter((l) => l.level === 'warn');
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.length).toBeLessThan(10);
    expect(warned[0]?.msg).toMatch(/ECONNREFUSED/);
    expect(warned[0]?.stack).toBeUndefined();
    expect((await retries(metrics)).connection).toBe(10);
  });
});
