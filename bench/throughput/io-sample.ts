import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

/**
 * What the pipeline wrote in a run, sampled for the I/O floor: real output records (values and
 * their nine headers) of each output topic and real changelog states, and how many changelog
 * records it wrote per input record. The I/O-equivalent passthrough writes these bytes, so it
 * moves what the pipeline moves, with the same sizes and the same compressibility.
 */
export interface IoSample {
  readonly outputs: { readonly records: { readonly value: string; readonly headers: Record<string, string> }[] }[];
  readonly changelog: string[];
  readonly changelogPerInput: number;
}

/**
 * The first `count` records of `topic` (fewer if the topic has fewer within `waitMs`), read_committed.
 * None at all is an error: the I/O floor cannot write what it never saw (after a 1,000,000-event
 * run, 15 s was once not enough to read any record of two of the outputs).
 */
async function firstRecords(kafka: Kafka, topic: string, count: number, waitMs = 120_000): Promise<{ value: Buffer; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `io-sample-${randomUUID().slice(0, 8)}`, readUncommitted: false });
  const out: { value: Buffer; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      // A topic with fewer records than asked for gives what it has.
      setTimeout(resolve, waitMs).unref();
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (out.length >= count || message.value === null) return;
          out.push({ value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
          if (out.length === count) resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  if (out.length === 0) throw new Error(`sampled no records of ${topic} in ${waitMs / 1000} s`);
  return out;
}

/** Samples the pipeline's outputs and changelog after a run over `inputs` records. */
export async function sampleRun(kafka: Kafka, admin: Admin, outputs: readonly string[], changelog: string, inputs: number, perTopic = 2000): Promise<IoSample> {
  const written = (await admin.fetchTopicOffsets(changelog)).reduce((n, o) => n + Number(o.high), 0);
  return {
    outputs: await Promise.all(outputs.map(async (t) => ({ records: (await firstRecords(kafka, t, perTopic)).map((r) => ({ value: r.value.toString('base64'), headers: r.headers })) }))),
    changelog: (await firstRecords(kafka, changelog, perTopic)).map((r) => r.value.toString('base64')),
    // Transaction markers take an offset each; the ratio is an upper bound by about one in a batch.
    changelogPerInput: written / Math.max(1, inputs),
  };
}

export function writeSample(file: string, sample: IoSample): void {
  fs.writeFileSync(file, JSON.stringify(sample));
}

export function readSample(file: string): IoSample {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as IoSample;
}
