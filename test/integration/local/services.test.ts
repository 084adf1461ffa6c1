import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isScorestreamError, type ErrorCode } from '../../../src/errors';
import { findProcesses, markerFor } from '../../../src/local/processes';
import { localServicesOptions, type LocalServicesOptions } from '../../../src/local/options';
import { servicesDown, servicesStatus, servicesUp } from '../../../src/local/services';
import { freePorts } from '../../helpers/free-ports';

/**
 * The lifecycle of the local services: `up` twice runs one broker, `down` leaves no JVM, and each
 * failure a user can meet is one line that says what to do. These need the local services that
 * global setup started; when the tests use KAFKA_BROKERS from elsewhere they are skipped.
 */
const shared = localServicesOptions();
const local = findProcesses(markerFor('kafka', shared.home)).length > 0;
const describeLocal = local ? describe : describe.skip;

async function failureOf(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await promise;
  } catch (err: unknown) {
    if (isScorestreamError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a ScorestreamError');
}

/** A home of its own (its own processes, on ports free now) that shares the verified downloads of the main one. */
async function scratchHome(env: Record<string, string> = {}): Promise<LocalServicesOptions> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-home-'));
  fs.symlinkSync(path.join(shared.home, 'artifacts'), path.join(home, 'artifacts'));
  const [kafka, controller, registry] = (await freePorts(3)).map(String);
  return localServicesOptions({
    SCORESTREAM_HOME: home,
    SCORESTREAM_LOCAL_KAFKA_PORT: kafka as string,
    SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: controller as string,
    SCORESTREAM_LOCAL_REGISTRY_PORT: registry as string,
    ...env,
  });
}

describeLocal('local services', () => {
  const homes: LocalServicesOptions[] = [];
  afterAll(async () => {
    for (const o of homes) {
      await servicesDown(o);
      fs.rmSync(o.home, { recursive: true, force: true });
    }
  });

  it('a second up reuses the running broker and registry instead of starting another', async () => {
    const before = findProcesses(markerFor('kafka', shared.home)).map((p) => p.pid);
    const again = await servicesUp(shared);
    expect(again.map((s) => s.state)).toEqual(['reused', 'reused']);
    expect(findProcesses(markerFor('kafka', shared.home)).map((p) => p.pid)).toEqual(before);
    expect(findProcesses(markerFor('registry', shared.home))).toHaveLength(1);
  });

  it('up, up again, down: one JVM while up, none after down', async () => {
    const o = await scratchHome();
    homes.push(o);
    const [first] = await servicesUp(o, ['kafka']);
    expect(first?.state).toBe('started');
    const [second] = await servicesUp(o, ['kafka']);
    expect(second).toMatchObject({ state: 'reused', pid: first?.pid });
    expect(findProcesses(markerFor('kafka', o.home))).toHaveLength(1);

    const stopped = await servicesDown(o);
    expect(stopped.find((s) => s.name === 'kafka')?.pids).toEqual([first?.pid]);
    expect(findProcesses(markerFor('kafka', o.home))).toHaveLength(0);
    expect((await servicesStatus(o)).every((s) => !s.ready)).toBe(true);
  });

  it('a taken port is one line naming the variable that moves it', async () => {
    const o = await scratchHome({
      SCORESTREAM_LOCAL_KAFKA_PORT: String(shared.kafkaPort),
      SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: String(shared.kafkaControllerPort),
    });
    homes.push(o);
    const failure = await failureOf(servicesUp(o, ['kafka']));
    expect(failure.code).toBe('PORT_IN_USE');
    expect(failure.message).toBe(
      `port ${shared.kafkaPort} for the local Kafka 4.2.0 is taken by another process: stop it, or choose another port with SCORESTREAM_LOCAL_KAFKA_PORT=<port>`,
    );
  });

  it('a service that is not ready in time is stopped, and the error names its log', async () => {
    const o = await scratchHome({ SCORESTREAM_LOCAL_READY_TIMEOUT_S: '0.2' });
    homes.push(o);
    const failure = await failureOf(servicesUp(o, ['registry']));
    expect(failure.code).toBe('SERVICE_NOT_READY');
    expect(failure.message).toContain(`did not become ready within 0.2 s; see ${path.join(o.home, 'local', 'registry-3.0.9', 'registry.log')}`);
    expect(findProcesses(markerFor('registry', o.home))).toHaveLength(0);
  });

  it('without Maven, a first download says what to install', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-home-'));
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-bin-'));
    const java = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
    fs.symlinkSync(fs.realpathSync(java), path.join(bin, 'java'));
    // Java is on PATH, Maven is not.
    const [kafka, controller] = (await freePorts(2)).map(String);
    const o = localServicesOptions({ PATH: bin, SCORESTREAM_HOME: home, SCORESTREAM_LOCAL_KAFKA_PORT: kafka as string, SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: controller as string });
    homes.push(o);
    try {
      const failure = await failureOf(servicesUp(o, ['kafka']));
      expect(failure.code).toBe('MAVEN_NOT_FOUND');
      expect(failure.message).toMatch(/^Maven \(mvn\) is needed once to download kafka 4\.2\.0 from Maven Central and was not found: install Maven/);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
