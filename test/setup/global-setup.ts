import { errorMessage, isScorestreamError } from '../../src/errors';
import { parseBrokers } from '../../src/kafka/client';
import { findJava } from '../../src/local/java';
import { connectOrStartLocal } from '../../src/local/connect';
import { waitForEndpoints } from '../helpers/services';
import { dockerReachable, startCompose } from './docker-services';
import { setTestServices } from './state';

/**
 * Where the integration tests find Kafka and the registry, in this order:
 * 1. KAFKA_BROKERS and SCHEMA_REGISTRY_URL, when set (used as they are, never stopped);
 * 2. SCORESTREAM_TEST_SERVICES=local, or auto with Java 17+: the local services (started here and
 *    stopped in teardown, or reused and left running if an earlier `services up` started them);
 * 3. SCORESTREAM_TEST_SERVICES=docker, or auto without Java but with a Docker engine: compose.
 */
export default async function globalSetup(): Promise<void> {
  const mode = process.env.SCORESTREAM_TEST_SERVICES ?? 'auto';
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    await waitForEndpoints(parseBrokers(process.env.KAFKA_BROKERS), process.env.SCHEMA_REGISTRY_URL);
    setTestServices({ kind: 'configured' });
    return;
  }
  let useLocal = mode === 'local';
  if (mode === 'auto') {
    try {
      findJava();
      useLocal = true;
    } catch (err: unknown) {
      if (!(await dockerReachable())) {
        throw new Error(`no broker for the tests: set KAFKA_BROKERS and SCHEMA_REGISTRY_URL, install Java 17+, or start Docker (${errorMessage(err)})`);
      }
    }
  } else if (mode !== 'docker' && mode !== 'local') {
    throw new Error(`SCORESTREAM_TEST_SERVICES=${mode}: use auto, local or docker`);
  }
  if (useLocal) {
    try {
      const endpoints = await connectOrStartLocal({ ...process.env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined });
      process.env.KAFKA_BROKERS = endpoints.brokers.join(',');
      process.env.SCHEMA_REGISTRY_URL = endpoints.registryUrl;
      for (const s of endpoints.services) {
        process.stderr.write(`test services: ${s.label} ${s.state === 'started' ? `started in ${s.readySeconds.toFixed(1)} s` : 'reused'}\n`);
      }
      setTestServices({ kind: 'local', endpoints });
    } catch (err: unknown) {
      throw isScorestreamError(err) ? new Error(`starting the local test services failed: ${err.message}`) : err;
    }
    return;
  }
  const compose = await startCompose();
  process.env.KAFKA_BROKERS = compose.brokers;
  process.env.SCHEMA_REGISTRY_URL = compose.registryUrl;
  await waitForEndpoints([compose.brokers], compose.registryUrl);
  setTestServices({ kind: 'docker', compose: compose.env });
}
