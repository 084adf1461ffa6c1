import avro from 'avsc';
import { AvroEncoder } from '../../../src/publish/avro-encoder';
import { dlqHeaders, outputHeaders, traceContext } from '../../../src/publish/headers';
import { readSchema } from '../../../src/schemas/files';
import type { ChurnRisk } from '../../../src/schemas/types';

describe('output headers', () => {
  const base = { model: 'lead_scorer', version: '1.0.0', sha256: 'ab'.repeat(32), source: { topic: 'lead.events', partition: 3, offset: '42' }, eventId: 'e1', scoredAt: Date.UTC(2026, 0, 2) };

  it('name the model, its version and file, and the input record', () => {
    expect(outputHeaders({ ...base, fallback: null })).toEqual({
      'x-model-name': 'lead_scorer',
      'x-model-version': '1.0.0',
      'x-model-sha256': 'ab'.repeat(32),
      'x-source-topic': 'lead.events',
      'x-source-partition': '3',
      'x-source-offset': '42',
      'x-event-id': 'e1',
      'x-scored-at': '2026-01-02T00:00:00.000Z',
    });
  });

  it('say when a fallback answered and why, and carry the replay run', () => {
    const h = outputHeaders({ ...base, version: 'rules-1', sha256: null, fallback: 'breaker_open', replayRun: 'r1' });
    expect(h).toMatchObject({ 'x-fallback': 'breaker_open', 'x-model-sha256': '', 'x-replay-run': 'r1' });
  });
});

describe('DLQ headers', () => {
  it('keep the original headers and add source and reason', () => {
    const h = dlqHeaders({ topic: 'lead.events', partition: 0, offset: '7' }, 'avro_decode', 'x'.repeat(2000), { traceparent: 'abc', 'x-dlq-reason': 'old' }, 0);
    expect(h).toMatchObject({ traceparent: 'abc', 'x-original-x-dlq-reason': 'old', 'x-dlq-reason': 'avro_decode', 'x-source-offset': '7', 'x-dlq-at': '1970-01-01T00:00:00.000Z' });
    expect(String(h['x-dlq-error'])).toHaveLength(1003);
  });
});

describe('AvroEncoder', () => {
  it('writes the Confluent wire format that the schema reads back', () => {
    const schema = readSchema('ChurnRisk');
    const value: ChurnRisk = { lead_id: 'l', event_id: 'e', scored_at: 1, churn_probability: 0.25, risk_band: 'LOW', days_since_last_engagement: 2, model_name: 'churn_predictor', model_version: '1.0.0', fallback: null };
    const bytes = new AvroEncoder<ChurnRisk>(17, schema).encode(value);
    expect([bytes[0], bytes.readInt32BE(1)]).toEqual([0, 17]);
    expect(avro.Type.forSchema(JSON.parse(schema) as avro.Schema).fromBuffer(bytes.subarray(5))).toEqual(value);
  });
});

describe('trace context', () => {
  it('takes traceparent and tracestate from the input headers, within the W3C sizes', () => {
    expect(traceContext({ traceparent: Buffer.from('00-a-b-01'), tracestate: 'v=1' })).toEqual({ traceparent: '00-a-b-01', tracestate: 'v=1' });
    expect(traceContext({ traceparent: ['00-a-b-01', '00-c-d-01'] })).toEqual({ traceparent: '00-a-b-01' });
    expect(traceContext({ tracestate: 'v=1' })).toBeUndefined();
    expect(traceContext({ traceparent: 'x'.repeat(513) })).toBeUndefined();
    expect(traceContext(undefined)).toBeUndefined();
  });
});
