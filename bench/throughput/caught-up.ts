import type { Admin } from 'kafkajs';

/**
 * Waits until `group` has committed every partition of `topics` to its end (inputs written
 * without transactions: the end is the last record's offset + 1), or `timeoutMs` passes.
 */
export async function waitCaughtUp(admin: Admin, group: string, topics: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let behind = false;
    for (const topic of topics) {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (BigInt(end.high) > 0n && BigInt(offset) < BigInt(end.high)) behind = true;
      }
    }
    if (!behind) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
