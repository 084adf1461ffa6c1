import type { Message } from 'kafkajs';
import { recordBytes } from './dlq-record';

export interface TopicMessages {
  readonly topic: string;
  readonly messages: Message[];
}

/**
 * Splits what one transaction writes into produce requests in which no topic holds more than
 * `maxBytes` of records, keeping each topic's order. KafkaJS puts all the records a request has
 * for one partition into one record batch, and the broker refuses a batch over its limit
 * (MESSAGE_TOO_LARGE), so a transaction that grew past it would fail on every retry. The outputs'
 * partitions are chosen by the producer, so the bound is per topic, which is stricter. A single
 * record larger than `maxBytes` goes alone (only a DLQ copy could be, and those are cut to fit).
 */
export function splitRequests(topicMessages: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  // Nearly every batch is far below the limit: a bound that costs no string scan says so.
  if (topicMessages.every((t) => roughBytes(t.messages) <= maxBytes)) return [[...topicMessages]];
  const requests: Map<string, Message[]>[] = [];
  for (const { topic, messages } of topicMessages) {
    let index = 0;
    let bytes = 0;
    for (const m of messages) {
      const size = recordBytes(m);
      if (bytes > 0 && bytes + size > maxBytes) {
        index++;
        bytes = 0;
      }
      const request = (requests[index] ??= new Map());
      const list = request.get(topic);
      if (list) list.push(m);
      else request.set(topic, [m]);
      bytes += size;
    }
  }
  return requests.map((r) => [...r].map(([topic, messages]) => ({ topic, messages })));
}

/** An upper bound of recordBytes summed over `messages`: a string's UTF-8 takes at most 3 bytes a UTF-16 unit. */
function roughBytes(messages: readonly Message[]): number {
  let n = 0;
  for (const m of messages) {
    n += 64 + rough(m.key) + rough(m.value);
    if (m.headers) for (const name in m.headers) {
      const v = m.headers[name];
      const values: readonly (Buffer | string | undefined)[] = Array.isArray(v) ? v : [v];
      for (const x of values) n += 8 + 3 * name.length + rough(x);
    }
  }
  return n;
}

const rough = (v: Buffer | string | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'string' ? 3 * v.length : v.length);
