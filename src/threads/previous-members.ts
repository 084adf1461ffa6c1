import fs from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { PreviousMember, type PreviousMemberLog } from '../consume/previous-member';

/** Every stream thread's directory under state.dir but thread 0's (state.dir itself), whatever the thread count now. */
export function laterThreadDirs(stateDir: string): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(stateDir).filter((n) => /^thread-\d+$/.test(n));
  } catch {
    // No state directory yet: no previous run left a member.
  }
  return names.map((n) => path.join(stateDir, n));
}

/**
 * Removes the members the last run left in `groupId`, one per stream thread (`dirs`: their state
 * directories), before any thread of this run joins. Each thread would remove its own, but not before the others join: a thread that
 * joins first starts a rebalance that waits for another thread's dead member (for its whole
 * session, if that thread is slow to start, or if the thread count went down since). Removed here
 * all at once, the first join finds only live members. Never throws (PreviousMember.leave).
 */
export async function removePreviousMembers(kafka: Kafka, dirs: readonly string[], groupId: string, log: PreviousMemberLog): Promise<void> {
  await Promise.all(dirs.map((dir) => new PreviousMember(path.join(dir, groupId), log).leave(kafka, groupId)));
}
