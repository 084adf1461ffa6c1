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
