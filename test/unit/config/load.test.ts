import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeConfig, loadConfig } from '../../../src/config/load';
import { isScorestreamError } from '../../../src/errors';

function failure(f: () => unknown): string {
  try {
    f();
  } catch (err: unknown) {
    if (isScorestreamError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-config-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (content: unknown): string => {
    const f = path.join(dir, 'scorestream.json');
    fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
    return f;
  };

  it('has a documented default for everything, and is frozen', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ appId: 'scorestream', batchMaxRecords: 512, batchLingerMs: 5, cacheMaxEntries: 0, processingGuarantee: 'exactly_once', precision: 'auto', brokers: [], leadScorerVersion: 'latest' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(describeConfig(c).every((l) => /^[a-zA-Z.]+ = .+ {4}# .+ \[SCORESTREAM_[A-Z_]+/.test(l))).toBe(true);
  });

  it('takes a file (nested or dotted keys), then the environment on top', () => {
    const f = file({ batch: { maxRecords: 64 }, 'batch.lingerMs': 5, models: { leadScorer: { version: '1.0.0' } } });
    const c = loadConfig({ env: { SCORESTREAM_CONFIG: f, SCORESTREAM_BATCH_LINGER_MS: '7', KAFKA_BROKERS: 'a:9092, b:9092' } });
    expect(c).toMatchObject({ batchMaxRecords: 64, batchLingerMs: 7, leadScorerVersion: '1.0.0', brokers: ['a:9092', 'b:9092'] });
  });

  it('names the key, the value and where it came from when a value is bad', () => {
    expect(failure(() => loadConfig({ env: { SCORESTREAM_BATCH_MAX_RECORDS: 'lots' } }))).toBe(
      'config batch.maxRecords="lots" (from SCORESTREAM_BATCH_MAX_RECORDS) must be an integer from 1 to 100000',
    );
    expect(failure(() => loadConfig({ file: file({ models: { precision: 'int4' } }), env: {} }))).toMatch(/^config models\.precision="int4" \(from config file .+\) must be one of auto, fp32, int8$/);
    expect(failure(() => loadConfig({ env: { SCORESTREAM_MODELS_LEAD_SCORER_VERSION: 'newest' } }))).toMatch(/models\.leadScorer\.version="newest".*latest or a version/);
  });

  it('refuses the remote backend without a grpc:// or grpcs:// url, and a client certificate without its key', () => {
    expect(failure(() => loadConfig({ env: { SCORESTREAM_MODELS_BACKEND: 'remote' } }))).toBe('config models.backend=remote needs models.remote.url as grpc://host:port or grpcs://host:port');
    expect(failure(() => loadConfig({ env: { SCORESTREAM_MODELS_BACKEND: 'remote', SCORESTREAM_MODELS_REMOTE_URL: 'http://triton:8000' } }))).toBe(
      'config models.backend=remote needs models.remote.url as grpc://host:port or grpcs://host:port, not "http://triton:8000"',
    );
    expect(failure(() => loadConfig({ env: { SCORESTREAM_MODELS_REMOTE_TLS_CERT_FILE: '/etc/client.pem' } }))).toBe('config models.remote.tls.certFile and models.remote.tls.keyFile go together: set both or neither');
    expect(loadConfig({ env: { SCORESTREAM_MODELS_BACKEND: 'remote', SCORESTREAM_MODELS_REMOTE_URL: 'grpcs://triton.ml.svc:8001' } })).toMatchObject({ backend: 'remote', remoteUrl: 'grpcs://triton.ml.svc:8001', remoteTimeoutMs: 2000, remoteMaxInFlight: 4, remoteMaxBatchRows: 4096, remoteFallback: 'rules' });
  });

  it('refuses unknown keys in a file, broken JSON, and SASL without credentials', () => {
    expect(failure(() => loadConfig({ file: file({ batch: { maxRecrods: 1 } }), env: {} }))).toMatch(/unknown key batch\.maxRecrods/);
    expect(failure(() => loadConfig({ file: file('{ not json'), env: {} }))).toMatch(/could not be read as JSON/);
    expect(failure(() => loadConfig({ env: { SCORESTREAM_KAFKA_SASL_MECHANISM: 'scram-sha-512' } }))).toMatch(/needs kafka\.sasl\.username and kafka\.sasl\.password/);
  });

  it('never prints a secret', () => {
    const c = loadConfig({ env: { SCORESTREAM_KAFKA_SASL_MECHANISM: 'plain', SCORESTREAM_KAFKA_SASL_USERNAME: 'u', SCORESTREAM_KAFKA_SASL_PASSWORD: 'hunter2' } });
    expect(describeConfig(c).join('\n')).not.toContain('hunter2');
    expect(failure(() => loadConfig({ file: file({ kafka: { sasl: { password: 42 } } }), env: {} }))).toContain('kafka.sasl.password=***');
  });
});
