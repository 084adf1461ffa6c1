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
