import { CircuitBreaker, type BreakerState } from '../../../src/registry/breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  let changes: BreakerState[];
  let breaker: CircuitBreaker;
  beforeEach(() => {
    now = 0;
    changes = [];
    breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: () => now }, (s) => changes.push(s));
  });

  it('opens after the configured consecutive failures, not before', () => {
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('a success resets the count', () => {
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('reset closes it and forgets the failures (a new version starts with a clean record)', () => {
    for (let i = 0; i < 3; i++) breaker.failure();
    breaker.reset();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'closed']);
  });

  it('half-opens after the cool-down and lets one trial through', () => {
    for (let i = 0; i < 3; i++) breaker.failure();
    now = 999;
    expect(breaker.allow()).toBe(false);
    now = 1000;
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one trial at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed trial opens it for another cool-down', () => {
    for (let i = 0; i < 3; i++) breaker.failure();
    now = 1000;
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 1999;
    expect(breaker.allow()).toBe(false);
    now = 2000;
    expect(breaker.allow()).toBe(true);
  });
});
