import { Partitioners } from 'kafkajs';
import { valueSubject } from '../../../src/topics/names';
import { leadEvent } from '../../helpers/lead-events';
import { TestPipeline, header } from '../../helpers/pipeline';

/**
 * A producer instrumented with OpenTelemetry sends W3C trace context in its record headers; each
 * of the record's outputs carries the same `traceparent` and `tracestate`, so a trace goes on
 * through scorestream to the consumers of the scores.
 */
jest.setTimeout(180_000);

describe('trace context', () => {
  const pipe = new TestPipeline();
  afterAll(() => pipe.cleanup());

  it('is carried from each input record to each of its outputs', async () => {
    await pipe.setUp();
    await pipe.startProcessor();
    const id = await pipe.registry.getLatestSchemaId(valueSubject(pipe.names.lead));
    const traced = (i: number): string => `00-${String(i).padStart(32, 'a')}-${String(i).padStart(16, 'b')}-01`;
    const producer = pipe.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const events = [0, 1, 2, 3].map((i) => leadEvent(i, { lead_id: `lead-trace-${i}` }));
    await producer.send({
      topic: pipe.names.lead,
      acks: -1,
      messages: await Promise.all(
        events.map(async (e, i) => ({
          key: e.lead_id,
          value: await pipe.registry.encode(id, e),
          // The last record has no trace context: its outputs get none either.
          headers: i < 3 ? { traceparent: traced(i), tracestate: `vendor=${i}`, 'x-other': 'not carried' } : {},
        })),
      ),
    });
    await producer.disconnect();

    for (const topic of Object.values(pipe.names.outputs)) {
      const outputs = await pipe.read(topic, events.length);
      expect(outputs).toHaveLength(events.length);
      for (const m of outputs) {
        const i = events.findIndex((e) => e.event_id === header(m, 'x-event-id'));
        expect(i).toBeGreaterThanOrEqual(0);
        expect(header(m, 'traceparent')).toBe(i < 3 ? traced(i) : undefined);
        expect(header(m, 'tracestate')).toBe(i < 3 ? `vendor=${i}` : undefined);
        expect(header(m, 'x-other')).toBeUndefined();
      }
    }
  });
});
