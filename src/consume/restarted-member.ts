import type { Consumer, Kafka } from 'kafkajs';
import { errorMessage } from '../errors';
import { leaveGroupFor } from '../kafka/leave-group';
import { sleep } from '../local/wait';
import type { LogFn } from '../ops/rate-limited-log';

export interface RestartedMemberOptions {
  /** Wait between attempts while the coordinator cannot be reached. */
  readonly retryMs?: number;
  /** Stop trying after this long: by then the old member's session has expired on a broker that is up. */
  readonly giveUpMs?: number;
}

export interface RestartedMemberWatch {
  /** Stops any removal in progress (the consumer is being stopped for good). */
  stop(): void;
}

/**
 * KafkaJS restarts a crashed consumer (a broker outage outlasts its retries) as a new group
 * member, and the LeaveGroup it sends for the old one fails while the broker is away. The
 * coordinator then still has the old member when the broker is back, and the new member's join
 * waits for that member's session to expire: consumer.sessionTimeoutMs (30 s by default) after the
 * broker came back, on top of the outage, even for a group of one.
 *
 * After each crash KafkaJS restarts from, this removes the member the consumer had before, trying
 * until the coordinator answers (or until the consumer has joined again, which proves the old
 * member gone), so the rejoin completes as soon as the broker can serve it.
 */
export function removeMembersLeftByRestarts(kafka: Kafka, consumer: Consumer, groupId: string, log: LogFn, options: RestartedMemberOptions = {}): RestartedMemberWatch {
  const retryMs = options.retryMs ?? 1_000;
  const giveUpMs = options.giveUpMs ?? 600_000;
  let current: string | undefined;
  let stopped = false;
  /** Old member ids being removed; deleted once removed, or once the consumer joined again. */
  const leaving = new Set<string>();

  const removeOld = async (memberId: string): Promise<void> => {
    const deadline = Date.now() + giveUpMs;
    while (!stopped && leaving.has(memberId) && Date.now() < deadline) {
      try {
        const outcome = await leaveGroupFor(kafka, groupId, memberId);
        if (outcome === 'removed') log('info', `group ${groupId}: removed member ${memberId}, which the consumer had before it restarted, so that the group rebalances now rather than after consumer.sessionTimeoutMs`);
        break;
      } catch (err: unknown) {
        if (!stopped && leaving.has(memberId)) await sleep(retryMs);
        if (Date.now() >= deadline) log('warn', `group ${groupId}: could not remove member ${memberId}, which the consumer had before it restarted (${errorMessage(err)}): the group rebalances once its session expires`);
      }
    }
    leaving.delete(memberId);
  };

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    current = payload.memberId;
    // The join completed: every old member is gone from the group already.
    for (const id of [...leaving]) if (id !== current) leaving.delete(id);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const old = current;
    current = undefined;
    if (!payload.restart || stopped || old === undefined || leaving.has(old)) return;
    leaving.add(old);
    void removeOld(old);
  });
  return {
    stop: () => {
      stopped = true;
      leaving.clear();
    },
  };
}
