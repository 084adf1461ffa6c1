import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DlqReason } from '../decode/outcome';
import { dlqHeaders, type Source } from './headers';

/** Headers of a DLQ record whose copy had to be cut to fit: what the original was. */
export const TRUNCATION_HEADERS = {
  valueBytes: 'x-dlq-original-value-bytes',
  valueSha256: 'x-dlq-original-value-sha256',
  keyBytes: 'x-dlq-original-key-bytes',
  keySha256: 'x-dlq-original-key-sha256',
  headersBytes: 'x-dlq-original-headers-bytes',
} as const;

/** Record framing the broker counts besides key, value and headers (varints, attributes, deltas). */
const RECORD_OVERHEAD = 32;
const HEADER_OVERHEAD = 8;

const bytes = (v: Buffer | string | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/** An upper bound of what one record takes in a record batch, before compression. */
export function recordBytes(m: Message): number {
  let n = RECORD_OVERHEAD + bytes(m.key) + bytes(m.value);
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) n += HEADER_OVERHEAD + Buffer.byteLength(name) + bytes(v as Buffer | string | undefined);
  }
  return n;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * The DLQ copy of a rejected record: its original key, value and headers, plus where it came
 * from and why. A copy that would not fit in `maxBytes` (what one record batch may hold) is cut:
 * the value first, then the key, each to a prefix, with the original's size and SHA-256 in
 * headers (original headers too large to keep are dropped, their size said). A record that fitted the input topic can then never block the DLQ write, and so the
 * partition.
 */
export function dlqRecord(message: KafkaMessage, source: Source, reason: DlqReason, error: string, maxBytes: number): Message {
  const headers = dlqHeaders(source, reason, error, message.headers as Record<string, Buffer | string | undefined>);
  const whole: Message = { key: message.key, value: message.value, headers };
  if (recordBytes(whole) <= maxBytes) return whole;

  const key = message.key ?? Buffer.alloc(0);
  const value = message.value ?? Buffer.alloc(0);
  // Headers over a quarter of the room cannot all be kept: the original ones go, their size stays.
  const headerBytes = recordBytes({ key: null, value: null, headers });
  const kept: IHeaders = headerBytes <= maxBytes / 4 ? headers : { ...dlqHeaders(source, reason, error), [TRUNCATION_HEADERS.headersBytes]: String(headerBytes) };
  const cut: IHeaders = { ...kept, [TRUNCATION_HEADERS.valueBytes]: String(value.length), [TRUNCATION_HEADERS.valueSha256]: sha256(value) };
  // Keys are short in any sane topic; a huge one keeps at most a quarter of the room.
  const keyRoom = Math.floor(maxBytes / 4);
  let keptKey: Buffer | null = message.key;
  if (key.length > keyRoom) {
    cut[TRUNCATION_HEADERS.keyBytes] = String(key.length);
    cut[TRUNCATION_HEADERS.keySha256] = sha256(key);
    keptKey = key.subarray(0, keyRoom);
  }
  const room = Math.max(0, maxBytes - recordBytes({ key: keptKey, value: null, headers: cut }));
  return { key: keptKey, value: value.subarray(0, Math.min(value.length, room)), headers: cut };
}
