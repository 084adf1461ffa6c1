import type { KafkaMessage } from 'kafkajs';
import type { Merged } from '../consume/partition-merge';
import type { Metrics } from '../ops/metrics';

/** When a batch was taken from the merge, its computation ended, and its transaction committed (ms since the epoch). */
export interface BatchTimes {
  readonly taken: number;
  readonly computed: number;
  readonly committed: number;
}

/**
 * Where an input record's time goes until its outputs are committed: fetch (its timestamp to its
 * delivery to the processor), merge (delivery to the start of its batch), compute and commit.
 * A record the merge cannot order yet is delivered again by later fetches, as a new object: the
 * time kept is that of the first delivery, the object the merge holds.
 */
export class RecordStages {
  private readonly delivered = new WeakMap<KafkaMessage, number>();

  noteDelivered(messages: readonly KafkaMessage[], at: number): void {
    for (const m of messages) if (!this.delivered.has(m)) this.delivered.set(m, at);
  }

  /** One observation per record and stage, so that each stage's mean is the mean record's share of its latency. */
  observe(metrics: Metrics, records: readonly Merged[], times: BatchTimes): void {
    const h = metrics.stageSeconds;
    const fetch = h.labels({ stage: 'fetch' });
    const merge = h.labels({ stage: 'merge' });
    const compute = (times.computed - times.taken) / 1000;
    const commit = (times.committed - times.computed) / 1000;
    for (const { message } of records) {
      const at = this.delivered.get(message) ?? times.taken;
      fetch.observe(Math.max(0, at - Number(message.timestamp)) / 1000);
      merge.observe(Math.max(0, times.taken - at) / 1000);
    }
    const n = records.length;
    const computeChild = h.labels({ stage: 'compute' });
    const commitChild = h.labels({ stage: 'commit' });
    for (let i = 0; i < n; i++) {
      computeChild.observe(compute);
      commitChild.observe(commit);
    }
  }
}
