import { createHash } from 'node:crypto';

/**
 * Idempotence by `event_id`: the schema says an event id identifies an event, so the same event
 * delivered twice (a producer's retry, a re-send, an upstream replay) is applied and scored once.
 * Each lead's state keeps the ids of its last SEEN_EVENTS_MAX events as 8-byte hashes (the first
 * 8 bytes of SHA-256: a false match between two ids of one lead's window is about 1 in 10^17),
 * newest last, so the window survives restarts and replays with the state.
 */
export const SEEN_EVENTS_MAX = 128;
const HASH_BYTES = 8;

export const NO_SEEN_EVENTS: Buffer = Buffer.alloc(0);

export function eventHash(eventId: string): Buffer {
  return createHash('sha256').update(eventId).digest().subarray(0, HASH_BYTES);
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
