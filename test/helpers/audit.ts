import type { KafkaMessage } from 'kafkajs';
import { header } from './pipeline';

/** The input record an output was computed from: source topic, partition and offset. */
export function sourceKey(m: KafkaMessage): string {
  return `${header(m, 'x-source-topic')}/${header(m, 'x-source-partition')}/${header(m, 'x-source-offset')}`;
}

export interface Audit {
  readonly outputs: number;
  /** Distinct (source record, model) pairs: fewer than expected is a loss. */
  readonly distinct: number;
  /** Pairs seen more than once. */
  readonly duplicates: number;
}

/** Outputs by model (each model's output topic read whole): one key per (source record, model). */
export function auditOutputs(byModel: ReadonlyMap<string, readonly KafkaMessage[]>): Audit {
  const seen = new Map<string, number>();
  let outputs = 0;
  for (const [model, list] of byModel) {
    for (const m of list) {
      const k = `${sourceKey(m)}/${model}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      outputs++;
    }
  }
  return { outputs, distinct: seen.size, duplicates: [...seen.values()].filter((n) => n > 1).length };
}
