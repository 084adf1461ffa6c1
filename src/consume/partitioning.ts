/**
 * The partitioning contract of lead.events and engagement.events: the key is the event's
 * `lead_id` (its UTF-8 bytes), and the partition is murmur2(key) mod the partition count, as the
 * Java client's and KafkaJS's default partitioners choose it. librdkafka's default (CRC32) does
 * not, so its producers must set `partitioner=murmur2_random`. A lead's events on two partitions
 * would be applied to two states, by two instances, in no common order: such a record is never
 * applied silently.
 */

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit int. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives `key` among `partitions`. */
export function defaultPartition(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Why a record breaks the contract, or undefined when it keeps it: a null key, a key other than
 * the event's lead_id, or a partition other than the one its key hashes to.
 */
export function partitioningViolation(key: Buffer | null, leadId: string, partition: number, partitions: number): string | undefined {
  if (key === null) return `null key: the key must be the lead_id ${JSON.stringify(leadId.slice(0, 64))}`;
  if (key.length !== Buffer.byteLength(leadId) || key.toString('utf8') !== leadId) {
    return `key ${JSON.stringify(key.subarray(0, 64).toString('utf8'))} is not the event's lead_id ${JSON.stringify(leadId.slice(0, 64))}`;
  }
  // An unknown count (metadata not read yet) cannot judge the partition; the key checks still hold.
  const expected = partitions > 0 ? defaultPartition(key, partitions) : partition;
  if (expected !== partition) {
    return `on partition ${partition}, but murmur2(lead_id) mod ${partitions} is ${expected}: produce with the default (murmur2) partitioner (librdkafka: partitioner=murmur2_random)`;
  }
  return undefined;
}
