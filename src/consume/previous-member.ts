import fs from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { errorMessage } from '../errors';
import { leaveGroupFor } from '../kafka/leave-group';

/** Inside the instance's state directory, which one instance at a time holds (RocksDB's lock). */
const MAIN_CONSUMER_FILE = 'consumer-member-id';
/** Worth waiting for only while it saves more than it costs: well under any session timeout (>= 6 s). */
const LEAVE_TIMEOUT_MS = 5_000;

export type PreviousMemberLog = (level: 'info' | 'warn', message: string) => void;

/**
 * KafkaJS has no static membership, so a run that ended without leaving the group (kill -9, OOM,
 * a lost machine) stays a member until its session expires (consumer.sessionTimeoutMs), and the
 * rebalance that a restarted instance starts waits for it. Each instance therefore writes its
 * member id into its state directory whenever it joins, and before joining again removes the
 * member it finds there: the coordinator rebalances at once, with live members only. A member that
 * already left or expired is unknown to the coordinator, which is the usual case and says nothing.
 * Every failure here is a warning: it only costs the wait it was meant to save.
 */
export class PreviousMember {
  private readonly file: string;
  private written: string | undefined;

  /** `fileName`: one file per consumer group the instance joins (the scoring consumer's by default). */
  constructor(
    stateDir: string,
    private readonly log: PreviousMemberLog,
    fileName = MAIN_CONSUMER_FILE,
  ) {
    this.file = path.join(stateDir, fileName);
  }

  /** Called on each join; writes only a changed id (KafkaJS keeps its id across rebalances). */
  record(memberId: string): void {
    if (memberId === this.written) return;
    try {
      // Written whole then renamed: a kill in between leaves the previous id, never half of one.
      const tmp = `${this.file}.tmp`;
      fs.writeFileSync(tmp, memberId);
      fs.renameSync(tmp, this.file);
      this.written = memberId;
    } catch (err: unknown) {
      this.log('warn', `could not record the consumer's group member id in ${this.file} (${errorMessage(err)}): a restart after a crash will wait out this member's session`);
    }
  }

  /** Removes the member the last run of this instance left in `groupId`, if it left one; never throws. */
  async leave(kafka: Kafka, groupId: string): Promise<void> {
    let memberId: string;
    try {
      memberId = fs.readFileSync(this.file, 'utf8').trim();
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log('warn', `could not read ${this.file} (${errorMessage(err)}): if the last run did not leave the group, its partitions come back after consumer.sessionTimeoutMs`);
      return;
    }
    if (memberId === '') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${LEAVE_TIMEOUT_MS} ms`)), LEAVE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([leaveGroupFor(kafka, groupId, memberId), timeout]);
      if (outcome === 'removed') this.log('info', `removed this instance's previous group member ${memberId} (the last run ended without leaving the group): its partitions are reassigned now, not after consumer.sessionTimeoutMs`);
    } catch (err: unknown) {
      this.log('warn', `could not remove this instance's previous group member ${memberId} (${errorMessage(err)}): if the last run did not leave the group, its partitions come back after consumer.sessionTimeoutMs`);
    } finally {
      clearTimeout(timer);
    }
  }
}
