import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isScorestreamError } from '../../../src/errors';
import { probeRegistry, schemaRegistryClient } from '../../../src/kafka/registry-http';
import { CliProcess, messageLines, runCli, type CliExit } from '../../helpers/cli';
import { freePorts } from '../../helpers/free-ports';
import { MODELS_DIR } from '../../helpers/models';
import { TestPipeline } from '../../helpers/pipeline';
import { testEndpoints } from '../../helpers/services';

/**
 * `scorestream` as an operator runs it, with what goes wrong at start-up: every failure is ONE
 * line on stderr that names the setting or the dependency and what to do, exit 2 for
 * configuration, 1 for a dependency that cannot be reached; the process always ends (a hang is
 * SIGKILLed after a minute and fails the test). SIGTERM ends `run` whatever it is doing: within
 * shutdown.timeoutMs, or at once on a second signal.
 */
jest.setTimeout(120_000);

const { brokers, registryUrl } = testEndpoints();
const BROKERS = brokers.join(',');

/** A TCP server that accepts connections and never answers: a frozen dependency. */
async function frozenServer(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A registry that answers reads (GET: an empty subject list) and never answers a write (POST),
 * where the processor registers its output schemas during start: a start that hangs on it.
 */
async function registryFrozenOnWrites(port: number): Promise<{ url: string; writes: Promise<void>; close(): Promise<void> }> {
  let wrote: () => void = () => undefined;
  const writes = new Promise<void>((resolve) => (wrote = resolve));
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end('[]');
    } else wrote();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The one line a failed start prints: exactly one line on stderr, no stack trace. */
function oneLine(exit: CliExit): string {
  const lines = exit.stderr.split('\n').filter((l) => l.length > 0);
  expect({ lines, stdout: exit.stdout }).toMatchObject({ lines: [expect.stringMatching(/^scorestream: /)] });
  expect(exit.stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

describe('scorestream start-up failures', () => {
  let scratch: string;
  let ports: number[];
  beforeAll(async () => {
    ports = await freePorts(8);
  });
  beforeEach(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-startup-'))));
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** A deployment that would start: the shared broker and registry, its own state, no listener. */
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    KAFKA_BROKERS: BROKERS,
    SCHEMA_REGISTRY_URL: registryUrl,
    SCORESTREAM_STATE_DIR: path.join(scratch, 'state'),
    SCORESTREAM_MODELS_DIR: MODELS_DIR,
    SCORESTREAM_HTTP_PORT: '0',
    SCORESTREAM_TOPICS_PREFIX: `startup.${path.basename(scratch)}.`,
    ...extra,
  });
  const refusedPort = (): number => ports[0] as number;

  describe('configuration: exit 2', () => {
    it.each([
      ['localhost', /^scorestream: config kafka\.brokers="localhost" \(from KAFKA_BROKERS\) must be host:port/],
      ['not a broker list', /^scorestream: config kafka\.brokers="not a broker list" \(from KAFKA_BROKERS\) must be host:port/],
    ])('a broker list %j', async (list, line) => {
      const exit = await runCli(['run'], env({ KAFKA_BROKERS: list }));
      expect(oneLine(exit)).toMatch(line);
      expect(exit.code).toBe(2);
    });

    it('a misspelt SCORESTREAM_ variable, naming the closest one', async () => {
      const exit = await runCli(['run'], env({ SCORESTREAM_BATCH_MAX_RECORD: '10' }));
      expect(oneLine(exit)).toMatch(/SCORESTREAM_BATCH_MAX_RECORD is not a scorestream setting: did you mean SCORESTREAM_BATCH_MAX_RECORDS\?/);
      expect(exit.code).toBe(2);
    });

    it('brokers without a registry URL (never the local development services instead)', async () => {
      const exit = await runCli(['run'], env({ SCHEMA_REGISTRY_URL: '' }));
      expect(oneLine(exit)).toMatch(/kafka\.brokers is set but registry\.url is not: set registry\.url/);
      expect(exit.code).toBe(2);
    });

    it('state.dir under a regular file', async () => {
      fs.writeFileSync(path.join(scratch, 'file'), '');
      const exit = await runCli(['run'], env({ SCORESTREAM_STATE_DIR: path.join(scratch, 'file', 'state') }));
      expect(oneLine(exit)).toMatch(/^scorestream: state\.dir=.+\/file\/state cannot be used \(ENOTDIR.*\): set state\.dir/);
      expect(exit.code).toBe(2);
    });

    it('a missing CA file', async () => {
      const exit = await runCli(['run'], env({ SCORESTREAM_KAFKA_TLS_ENABLED: 'true', SCORESTREAM_KAFKA_TLS_CA_FILE: path.join(scratch, 'ca.pem') }));
      expect(oneLine(exit)).toMatch(/^scorestream: kafka\.tls\.caFile=.+ca\.pem cannot be read \(ENOENT/);
      expect(exit.code).toBe(2);
    });

    it('an http.host that does not resolve', async () => {
      const exit = await runCli(['run'], env({ SCORESTREAM_HTTP_HOST: 'no-such-host.invalid', SCORESTREAM_HTTP_PORT: String(ports[1]) }));
      expect(oneLine(exit)).toMatch(/^scorestream: http\.host=no-such-host\.invalid cannot be listened on \(.*ENOTFOUND.*\): set http\.host/);
      expect(exit.code).toBe(2);
    });

    it('SASL against a broker that does not speak it', async () => {
      const exit = await runCli(['run'], env({ SCORESTREAM_KAFKA_SASL_MECHANISM: 'plain', SCORESTREAM_KAFKA_SASL_USERNAME: 'u', SCORESTREAM_KAFKA_SASL_PASSWORD: 'p' }));
      expect(oneLine(exit)).toMatch(/^scorestream: kafka\.sasl\.mechanism=plain: .* refused SASL authentication .*: check kafka\.sasl\./);
      expect(exit.code).toBe(2);
    });

    it('topics that do not exist (a missing topics create, or another topics.prefix or app.id)', async () => {
      const exit = await runCli(['run'], env());
      expect(oneLine(exit)).toMatch(/^scorestream: topics missing on .+: startup\..+lead\.events, .*: run scorestream topics create/);
      expect(exit.code).toBe(2);
    });

    it.each([
      [['demo', '--leads', '-5'], /^scorestream: demo: --leads=-5 must be an integer >= 1/],
      [['demo', '--bogus'], /^scorestream: demo: unknown option '--bogus' \(scorestream demo --help lists them\)/],
      [['run', '--bogus'], /^scorestream: run: unknown option '--bogus' \(scorestream run --help lists them\)/],
      [['generate', '--leads', '-5'], /^scorestream: generate: --leads=-5 must be an integer >= 1/],
      [['features', 'export', '--bogus'], /^scorestream: features export: unknown option '--bogus'/],
    ])('a bad command line: %j', async (args, line) => {
      const exit = await runCli(args, env({ KAFKA_BROKERS: `127.0.0.1:${refusedPort()}` }));
      expect(oneLine(exit)).toMatch(line);
      expect(exit.code).toBe(2);
    });
  });

  describe('a dependency that cannot be reached: exit 1', () => {
    it('a broker that refuses connections', async () => {
      const exit = await runCli(['run'], env({ KAFKA_BROKERS: `127.0.0.1:${refusedPort()}` }));
      expect(oneLine(exit)).toMatch(new RegExp(`^scorestream: kafka\\.brokers 127\\.0\\.0\\.1:${refusedPort()} cannot be reached \\(.*ECONNREFUSED.*\\): check kafka\\.brokers`));
      expect(exit.code).toBe(1);
    });

    it('a registry that refuses connections', async () => {
      const exit = await runCli(['run'], env({ SCHEMA_REGISTRY_URL: `http://127.0.0.1:${refusedPort()}` }));
      expect(oneLine(exit)).toMatch(/^scorestream: schema registry http:\/\/127\.0\.0\.1:\d+ cannot be reached \(.*ECONNREFUSED.*\): check registry\.url/);
      expect(exit.code).toBe(1);
    });

    it('a registry that accepts connections and never answers', async () => {
      const frozen = await frozenServer(ports[2] as number);
      try {
        const exit = await runCli(['run'], env({ SCHEMA_REGISTRY_URL: `http://127.0.0.1:${ports[2]}`, SCORESTREAM_REGISTRY_TIMEOUT_MS: '1000' }));
        expect(oneLine(exit)).toMatch(/^scorestream: schema registry http:\/\/127\.0\.0\.1:\d+ did not answer within 1 s: check registry\.url/);
        expect(exit.code).toBe(1);
      } finally {
        await frozen.close();
      }
    });

    it('a frozen registry: every registry call gives up after registry.timeoutMs, the registry client too', async () => {
      const frozen = await frozenServer(ports[6] as number);
      try {
        const access = { url: `http://127.0.0.1:${ports[6]}`, timeoutMs: 500 };
        const probe = await probeRegistry(access).then(() => undefined, (err: unknown) => err);
        expect(isScorestreamError(probe, 'REGISTRY_UNAVAILABLE') && probe.message).toMatch(/did not answer within 0\.5 s/);
        // Its default is to wait for ever; its own retries make it a few timeouts, never a hang.
        await expect(schemaRegistryClient(access, { retries: 0 }).getLatestSchemaId('any-value')).rejects.toThrow(/Timeout \(500ms\)/);
      } finally {
        await frozen.close();
      }
    });

    it('a metrics port another process holds', async () => {
      const holder = net.createServer();
      await new Promise<void>((resolve) => holder.listen(ports[3], '127.0.0.1', () => resolve()));
      try {
        const exit = await runCli(['run'], env({ SCORESTREAM_HTTP_HOST: '127.0.0.1', SCORESTREAM_HTTP_PORT: String(ports[3]) }));
        expect(oneLine(exit)).toMatch(new RegExp(`^scorestream: http\\.port=${ports[3]} on 127\\.0\\.0\\.1 is in use by another process: set http\\.port`));
        expect(exit.code).toBe(1);
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
    });

    it('says once that models.dir holds no model, before the failure', async () => {
      const exit = await runCli(['run'], env({ SCORESTREAM_MODELS_DIR: path.join(scratch, 'no-models'), KAFKA_BROKERS: `127.0.0.1:${refusedPort()}` }));
      const lines = messageLines(exit.stderr);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^scorestream: warning: models\.dir=.+no-models does not exist: lead_scorer, property_matcher and churn_predictor will serve their rule-based fallbacks; set models\.dir/);
      expect(lines[1]).toMatch(/cannot be reached/);
      expect(exit.code).toBe(1);
    });
  });

  describe('--help on every verb: usage, exit 0, nothing started', () => {
    it.each(['run', 'demo', 'topics create', 'replay', 'generate', 'features export', 'config', 'services status'])('%s --help', async (verb) => {
      // A configuration that would fail at once if anything were started or even loaded.
      const exit = await runCli([...verb.split(' '), '--help'], env({ KAFKA_BROKERS: `127.0.0.1:${refusedPort()}`, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${refusedPort()}`, SCORESTREAM_NOT_A_SETTING: 'x' }));
      expect(exit.stdout).toMatch(new RegExp(`^usage: scorestream ${verb.split(' ')[0]}`));
      expect(exit.stderr).toBe('');
      expect(exit.code).toBe(0);
    });
  });

  describe('SIGTERM', () => {
    const pipe = new TestPipeline();
    beforeAll(() => pipe.setUp());
    afterAll(() => pipe.cleanup());

    it('ends a run whose start hangs within shutdown.timeoutMs, saying so', async () => {
      const registry = await registryFrozenOnWrites(ports[4] as number);
      try {
        const run = new CliProcess(['run'], pipe.env({ SCHEMA_REGISTRY_URL: registry.url, SCORESTREAM_SHUTDOWN_TIMEOUT_MS: '1000' }));
        await registry.writes;
        run.child.kill('SIGTERM');
        const exit = await run.exited;
        expect(messageLines(exit.stderr).at(-1)).toMatch(/^scorestream run: the stop did not finish within 1 s of SIGTERM: exiting now/);
        expect(exit.code).toBe(1);
      } finally {
        await registry.close();
      }
    });

    it('a second SIGTERM ends it at once', async () => {
      const registry = await registryFrozenOnWrites(ports[5] as number);
      try {
        const run = new CliProcess(['run'], pipe.env({ SCHEMA_REGISTRY_URL: registry.url }));
        await registry.writes;
        run.child.kill('SIGTERM');
        await run.waitFor(/SIGTERM: finishing the batch in flight/);
        run.child.kill('SIGTERM');
        const exit = await run.exited;
        expect(messageLines(exit.stderr).at(-1)).toMatch(/^scorestream run: second SIGTERM: exiting now/);
        expect(exit.code).toBe(1);
      } finally {
        await registry.close();
      }
    });
  });
});
