/**
 * Idempotence by `event_id`: the schema says an event id identifies an event, so the same event
 * delivered twice (a producer's retry, a re-send, an upstream replay) is applied and scored once.
 * Each lead's state keeps the ids of its last SEEN_EVENTS_MAX events as 64-bit hashes (a false
 * match against one lead's window is about 1 in 10^17 per event), newest last, so the window
 * survives restarts and replays with the state. The hash is a fast non-cryptographic one (two
 * multiply-xorshift lanes over the id's UTF-16 units, as cyrb53): SHA-256 cost 3-5 us an event
 * here, a fifth of the processor's time per event saved by the batch-wide work elsewhere.
 */
export const SEEN_EVENTS_MAX = 128;
const HASH_BYTES = 8;

export const NO_SEEN_EVENTS: Buffer = Buffer.alloc(0);

let lastId: string | undefined;
let lastHash: Buffer = Buffer.alloc(HASH_BYTES);

export function eventHash(eventId: string): Buffer {
  // An event's id is hashed to look it up, then again to remember it: the second is free.
  if (eventId === lastId) return lastHash;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < eventId.length; i++) {
    const ch = eventId.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = Buffer.allocUnsafe(HASH_BYTES);
  hash.writeUInt32BE(h1 >>> 0, 0);
  hash.writeUInt32BE(h2 >>> 0, 4);
  lastId = eventId;
  lastHash = hash;
  return hash;
}

/** Whether `hash` is among the window's hashes. */
export function hasSeen(seen: Buffer, hash: Buffer): boolean {
  for (let i = seen.length - HASH_BYTES; i >= 0; i -= HASH_BYTES) {
    if (seen.compare(hash, 0, HASH_BYTES, i, i + HASH_BYTES) === 0) return true;
  }
  return false;
}

/** The window with `hash` added as the newest, the oldest dropped past SEEN_EVENTS_MAX. */
export function remember(seen: Buffer, hash: Buffer): Buffer {
  const keep = Math.min(seen.length, (SEEN_EVENTS_MAX - 1) * HASH_BYTES);
  const next = Buffer.allocUnsafe(keep + HASH_BYTES);
  seen.copy(next, 0, seen.length - keep);
  hash.copy(next, keep, 0, HASH_BYTES);
  return next;
}
