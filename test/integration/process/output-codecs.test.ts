import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { Processor } from '../../../src/process/processor';
import { generateHistory } from '../../../src/synth/generate';
import { consumeForeign } from '../../helpers/foreign-producer';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * kafka.compression=lz4 and snappy: the processor writes its outputs and changelog with that codec
 * (KafkaJS hands every record batch to it), the broker (Java) accepts them, and a consumer that is
 * not ours (librdkafka) reads exactly what KafkaJS reads.
 */
jest.setTimeout(240_000);

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const TYPES = { lz4: CompressionTypes.LZ4, snappy: CompressionTypes.Snappy } as const;

describe.each(['lz4', 'snappy'] as const)('outputs written with %s', (codec) => {
  it('are read by librdkafka as KafkaJS reads them', async () => {
    const pipe = new TestPipeline();
    const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
    const registered = codecs[TYPES[codec]] as () => Codec;
    let compressed = 0;
    codecs[TYPES[codec]] = () => {
      const c = registered();
      return { compress: (e) => ((compressed += 1), c.compress(e)), decompress: (b) => c.decompress(b) };
    };
    try {
      await pipe.setUp();
      // Enough events for full batches: each output request holds several 64 KiB LZ4 blocks.
      const history = generateHistory({ leads: 150, seed: 47 });
      await pipe.produce(pipe.names.property, history.propertyEvents);
      const events = [...history.leadEvents, ...history.engagementEvents].sort((a, b) => a.occurred_at - b.occurred_at);
      await pipe.produceInOrder(events);
      const config = pipe.config({ SCORESTREAM_KAFKA_COMPRESSION: codec });
      const processor = new Processor(config, pipe.kafka, config.registryUrl, { onLog: () => undefined });
      await processor.start();
      try {
        await pipe.read(pipe.names.outputs.lead_scorer, events.length, 120_000);
      } finally {
        await processor.stop();
      }
      expect(compressed).toBeGreaterThan(0);
      for (const topic of [pipe.names.outputs.lead_scorer, pipe.names.outputs.property_matcher, pipe.names.changelog]) {
        const ours = await pipe.readAll(topic);
        const theirs = consumeForeign(pipe.brokers, topic, ours.length, 60);
        const entry = (key: string, value: Buffer | null): string => `${key}|${value?.toString('base64') ?? ''}`;
        const mine = ours.map((m) => entry(m.key?.toString() ?? '', m.value)).sort();
        expect({ topic, records: theirs.map((t) => entry(t.key, t.value)).sort() }).toEqual({ topic, records: mine });
      }
    } finally {
      codecs[TYPES[codec]] = registered;
      await pipe.cleanup();
    }
  });
});
