import type { KafkaMessage } from 'kafkajs';
import type { AvroDecoder } from '../decode/avro-decoder';
import type { DlqReason } from '../decode/outcome';
import { validatePropertyEvent } from '../features/validate';
import type { PropertyEvent } from '../schemas/types';

/**
 * What one property.events record is. The table loader and the DLQ writer both read the topic and
 * must agree on which records are bad, so the decision is made here, once.
 */
export type PropertyRecord =
  | { readonly kind: 'listing'; readonly event: PropertyEvent }
  /** A null value: the compacted topic's delete of the listing its key names, as of the record's timestamp. */
  | { readonly kind: 'tombstone'; readonly propertyId: string | null; readonly at: number }
  | { readonly kind: 'bad'; readonly reason: DlqReason; readonly message: string }
  /** The writer schema is not known yet: the batch must be prepared (the registry reached) first. */
  | { readonly kind: 'retry'; readonly message: string };

/** Reads one record; `decoder.prepare` must have seen its value. */
export function readPropertyRecord(decoder: AvroDecoder, m: KafkaMessage): PropertyRecord {
  // Only a null value is a tombstone (compaction treats only null so); an empty one is a bad record.
  if (m.value === null) return { kind: 'tombstone', propertyId: m.key === null || m.key.length === 0 ? null : m.key.toString('utf8'), at: Number(m.timestamp) };
  const decoded = decoder.decode<PropertyEvent>(m.value);
  if (decoded.kind === 'retry') return decoded;
  if (decoded.kind === 'dlq') return { kind: 'bad', reason: decoded.reason, message: decoded.message };
  const invalid = validatePropertyEvent(decoded.value);
  if (invalid) return { kind: 'bad', reason: 'feature_invalid', message: invalid.message };
  return { kind: 'listing', event: decoded.value };
}
