import { loadConfig } from '../../../src/config/load';
import { createKafka } from '../../../src/kafka/client';
import { Processor } from '../../../src/process/processor';
import { registryEventLine } from '../../../src/registry/registry-event-log';
import type { RegistryEvent } from '../../../src/registry/registry';

const events: RegistryEvent[] = [
  { type: 'loaded', model: 'lead_scorer', version: '1.0.0', precision: 'int8', provider: 'cpu', previous: null },
  { type: 'loaded', model: 'lead_scorer', version: '1.1.0', precision: 'int8', provider: 'cpu', previous: '1.0.0' },
  { type: 'load_failed', model: 'lead_scorer', version: '1.2.0', code: 'MODEL_CHECKSUM_MISMATCH', message: 'model.int8.onnx: SHA-256 differs from the manifest' },
  { type: 'rolled_back', model: 'lead_scorer', from: '1.1.0', to: '1.0.0', reason: 'circuit breaker opened' },
  { type: 'provider_fallback', model: 'churn_predictor', version: '1.0.0', message: 'CUDA execution provider not installed; scoring on CPU' },
  { type: 'precision_fp32', model: 'lead_scorer', version: '1.0.0', reason: 'the version has no statically quantized model' },
  { type: 'breaker', model: 'property_matcher', state: 'open' },
  { type: 'breaker', model: 'property_matcher', state: 'half_open' },
  { type: 'breaker', model: 'property_matcher', state: 'closed' },
];

describe('registryEventLine', () => {
  it('gives each event a sentence and its fields as log fields', () => {
    expect(events.map((e) => registryEventLine(e, e.type === 'load_failed' ? '1.1.0' : null))).toEqual([
      { level: 'info', message: 'model lead_scorer 1.0.0 serving (int8, cpu)', bindings: { event: 'loaded', model: 'lead_scorer', version: '1.0.0', precision: 'int8', provider: 'cpu', previous: null } },
      {
        level: 'info',
        message: 'model lead_scorer switched from 1.0.0 to 1.1.0 (int8, cpu): loaded and warmed before the switch',
        bindings: { event: 'loaded', model: 'lead_scorer', version: '1.1.0', precision: 'int8', provider: 'cpu', previous: '1.0.0' },
      },
      {
        level: 'error',
        message: 'model lead_scorer 1.2.0 refused, 1.1.0 keeps serving: model.int8.onnx: SHA-256 differs from the manifest',
        bindings: { event: 'load_failed', model: 'lead_scorer', version: '1.2.0', code: 'MODEL_CHECKSUM_MISMATCH', error: 'model.int8.onnx: SHA-256 differs from the manifest' },
      },
      {
        level: 'error',
        message: 'model lead_scorer 1.1.0 failed in service and was rolled back to 1.0.0: circuit breaker opened',
        bindings: { event: 'rolled_back', model: 'lead_scorer', from: '1.1.0', to: '1.0.0', reason: 'circuit breaker opened' },
      },
      {
        level: 'warn',
        message: 'model churn_predictor 1.0.0: CUDA execution provider not installed; scoring on CPU',
        bindings: { event: 'provider_fallback', model: 'churn_predictor', version: '1.0.0', error: 'CUDA execution provider not installed; scoring on CPU' },
      },
      {
        level: 'info',
        message: 'model lead_scorer 1.0.0 serves fp32, not INT8: the version has no statically quantized model',
        bindings: { event: 'precision_fp32', model: 'lead_scorer', version: '1.0.0', reason: 'the version has no statically quantized model' },
      },
      { level: 'warn', message: 'model property_matcher circuit breaker open: its rule-based fallback answers until a probe succeeds', bindings: { event: 'breaker', model: 'property_matcher', state: 'open' } },
      null,
      { level: 'info', message: 'model property_matcher circuit breaker closed: the model answers again', bindings: { event: 'breaker', model: 'property_matcher', state: 'closed' } },
    ]);
  });

  it('names the code of a refused version when none serves', () => {
    expect(registryEventLine(events[2] as RegistryEvent, null)?.message).toBe('model lead_scorer 1.2.0 refused (MODEL_CHECKSUM_MISMATCH): model.int8.onnx: SHA-256 differs from the manifest');
  });
});

describe('the processor log of registry events', () => {
  it('is sentences, never the event as JSON', () => {
    const lines: string[] = [];
    const config = loadConfig({ env: {} });
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'never-connected' });
    const processor = new Processor(config, kafka, 'http://127.0.0.1:1', { onLog: (level, message) => lines.push(`${level} ${message}`) });
    // The registry calls this for each of its events; it is private to the processor.
    const onRegistryEvent = (processor as unknown as { onRegistryEvent(e: RegistryEvent): void }).onRegistryEvent.bind(processor);
    for (const e of events) onRegistryEvent(e);
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.includes('{'))).toEqual([]);
    expect(lines[0]).toBe('info model lead_scorer 1.0.0 serving (int8, cpu)');
  });
});
