import { NO_SEEN_EVENTS, SEEN_EVENTS_MAX, eventHash, hasSeen, remember } from '../../../src/features/seen-events';

describe('seen events', () => {
  it('remembers the last SEEN_EVENTS_MAX event ids, oldest dropped first', () => {
    let seen = NO_SEEN_EVENTS;
    const ids = Array.from({ length: SEEN_EVENTS_MAX + 10 }, (_, i) => `event-${i}`);
    for (const id of ids) {
      expect(hasSeen(seen, eventHash(id))).toBe(false);
      seen = remember(seen, eventHash(id));
      expect(hasSeen(seen, eventHash(id))).toBe(true);
    }
    expect(seen.length).toBe(SEEN_EVENTS_MAX * 8);
    for (const id of ids.slice(0, 10)) expect(hasSeen(seen, eventHash(id))).toBe(false);
    for (const id of ids.slice(10)) expect(hasSeen(seen, eventHash(id))).toBe(true);
  });

  it('does not change the window it is given', () => {
    const one = remember(NO_SEEN_EVENTS, eventHash('a'));
    const two = remember(one, eventHash('b'));
    expect(hasSeen(one, eventHash('b'))).toBe(false);
    expect(hasSeen(two, eventHash('a'))).toBe(true);
  });
});

describe('eventHash', () => {
  it('is stable (it is stored in states) and tells 200,000 ids apart', () => {
    // States written by one version are read by the next: the hash of an id must never change.
    expect(eventHash('event-1').toString('hex')).toBe('62e0aa22a08456e7');
    const hashes = new Set<string>();
    for (let i = 0; i < 200_000; i++) hashes.add(eventHash(`${i}-${i % 7}`).toString('hex'));
    expect(hashes.size).toBe(200_000);
  });
});
