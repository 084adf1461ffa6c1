import { loadConfig } from '../../../src/config/load';
import { ERROR_CODES, isScorestreamError } from '../../../src/errors';

/** What loadConfig refuses, with the one line it says; every one is a configuration error (exit 2). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ env });
  } catch (err: unknown) {
    if (isScorestreamError(err, 'CONFIG_INVALID')) {
      expect(ERROR_CODES[err.code].exitCode).toBe(2);
      expect(err.message).not.toContain('\n');
      return err.message;
    }
    throw err;
  }
  throw new Error(`expected CONFIG_INVALID for ${JSON.stringify(env)}`);
}

describe('configuration checks at load', () => {
  it.each([
    ['localhost', /"localhost" has no port/],
    ['not a broker list', /"not a broker list" has no port/],
    ['a:9092,b', /"b" has no port/],
    ['a:0', /"a:0": the port must be from 1 to 65535/],
    ['a:70000', /"a:70000": the port must be from 1 to 65535/],
    ['a:90x', /"a:90x": the port must be from 1 to 65535/],
    ['my host:9092', /"my host:9092": the host has a space/],
  ])('refuses the broker list %j, naming kafka.brokers and where it came from', (value, reason) => {
    const line = refusal({ KAFKA_BROKERS: value });
    expect(line).toMatch(/^config kafka\.brokers=".*" \(from KAFKA_BROKERS\) must be host:port,/);
    expect(line).toMatch(reason);
  });

  it('takes host:port lists, IPv6 in brackets, and spaces around commas', () => {
    expect(loadConfig({ env: { KAFKA_BROKERS: 'kafka-0.kafka:9093, 10.0.0.5:9092,[::1]:29092' } }).brokers).toEqual(['kafka-0.kafka:9093', '10.0.0.5:9092', '[::1]:29092']);
  });

  it('refuses a registry URL that is not http(s)', () => {
    expect(refusal({ SCHEMA_REGISTRY_URL: '127.0.0.1:8081' })).toMatch(/^config registry\.url="127\.0\.0\.1:8081" \(from SCHEMA_REGISTRY_URL\) must be an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses a SCORESTREAM_ variable that is no setting, naming the closest one', () => {
    expect(refusal({ SCORESTREAM_BATCH_MAX_RECORD: '10' })).toBe(
      'environment variable SCORESTREAM_BATCH_MAX_RECORD is not a scorestream setting: did you mean SCORESTREAM_BATCH_MAX_RECORDS? (scorestream config lists every variable)',
    );
    expect(refusal({ SCORESTREAM_KAFKA_BROKER: 'a:9092' })).toMatch(/did you mean SCORESTREAM_KAFKA_BROKERS\?/);
    expect(refusal({ SCORESTREAM_STATEDIR: '/tmp/x' })).toMatch(/did you mean SCORESTREAM_STATE_DIR\?/);
  });

  it("accepts the service links Kubernetes sets for Services named scorestream(-*), and still refuses a misspelt port", () => {
    const links = {
      SCORESTREAM_SERVICE_HOST: '10.96.0.7',
      SCORESTREAM_SERVICE_PORT: '9464',
      SCORESTREAM_SERVICE_PORT_METRICS: '9464',
      SCORESTREAM_PORT: 'tcp://10.96.0.7:9464',
      SCORESTREAM_PORT_9464_TCP: 'tcp://10.96.0.7:9464',
      SCORESTREAM_PORT_9464_TCP_PROTO: 'tcp',
      SCORESTREAM_PORT_9464_TCP_PORT: '9464',
      SCORESTREAM_PORT_9464_TCP_ADDR: '10.96.0.7',
      SCORESTREAM_METRICS_SERVICE_HOST: '10.96.0.8',
      SCORESTREAM_METRICS_PORT: 'tcp://10.96.0.8:9464',
    };
    expect(loadConfig({ env: links }).httpPort).toBe(9464);
    expect(refusal({ SCORESTREAM_ADMIN_PORT: '9465' })).toMatch(/^environment variable SCORESTREAM_ADMIN_PORT is not a scorestream setting/);
    expect(refusal({ SCORESTREAM_HTTP_PORT_NUMBER: '9464' })).toMatch(/is not a scorestream setting/);
  });

  it('accepts the variables of the config file, the local services and the tests', () => {
    const env = {
      SCORESTREAM_HOME: '/tmp/h',
      SCORESTREAM_LOCAL_KAFKA_PORT: '1',
      SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT: '2',
      SCORESTREAM_LOCAL_REGISTRY_PORT: '3',
      SCORESTREAM_LOCAL_KAFKA_HEAP: '1g',
      SCORESTREAM_LOCAL_REGISTRY_HEAP: '1g',
      SCORESTREAM_LOCAL_READY_TIMEOUT_S: '5',
      SCORESTREAM_TEST_SERVICES: 'auto',
    };
    expect(loadConfig({ env }).appId).toBe('scorestream');
  });

  it('has bounded waits for a stop and for the registry, 20 s and 10 s by default', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ shutdownTimeoutMs: 20_000, registryTimeoutMs: 10_000 });
    expect(loadConfig({ env: { SCORESTREAM_SHUTDOWN_TIMEOUT_MS: '1000', SCORESTREAM_REGISTRY_TIMEOUT_MS: '500' } })).toMatchObject({ shutdownTimeoutMs: 1000, registryTimeoutMs: 500 });
  });
});
