/**
 * Topic creation right after deletions sometimes fails with a retriable metadata error
 * (UNKNOWN_TOPIC_OR_PARTITION while waiting for leaders); a full run must not end on one.
 */
export async function withRetries<T>(f: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (err: unknown) {
      if (i >= attempts || !(typeof err === 'object' && err !== null && 'retriable' in err && err.retriable === true)) throw err;
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}
