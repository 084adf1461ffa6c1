export type LogLevel = 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, message: string) => void;

export interface RateLimitedLogOptions {
  /** At most one line per key in this span; 60 s by default. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** Which lines of a key may go out: the first, then at most one per interval. */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; skipped: number }>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(options: RateLimitedLogOptions = {}) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Undefined if a line of `key` went out less than the interval ago (this one is then counted as
   * left out); otherwise how many of the key were left out since the previous line that went out.
   */
  admit(key: string): number | undefined {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.skipped++;
      return undefined;
    }
    this.last.set(key, { at: now, skipped: 0 });
    return seen?.skipped ?? 0;
  }
}

/** `message`, telling how many lines like it were left out before it, if any. */
export function withLeftOut(message: string, skipped: number): string {
  return skipped === 0 ? message : `${message} (${skipped} more like it since the previous line ${skipped === 1 ? 'was' : 'were'} not logged)`;
}

/**
 * At most one line per key (a rejection reason, say) per interval, for things that can happen on
 * every record: a topic full of bad records must not flood the log, while the metric counts every
 * one. A line tells how many of its key were left out since the previous one.
 */
export class RateLimitedLog {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly sink: LogFn,
    options: RateLimitedLogOptions = {},
  ) {
    this.limiter = new RateLimiter(options);
  }

  /** Logs unless a line of `key` was logged less than the interval ago; true if it logged. */
  log(key: string, level: LogLevel, message: string): boolean {
    const skipped = this.limiter.admit(key);
    if (skipped === undefined) return false;
    this.sink(level, withLeftOut(message, skipped));
    return true;
  }
}
