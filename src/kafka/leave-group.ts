import type { Broker, Cluster, Kafka, PartitionAssigner } from 'kafkajs';

/**
 * LeaveGroup sent on behalf of a member id that is not this client's own. KafkaJS (pinned to
 * 2.2.4 in package.json) has no call for it: its consumer leaves only for itself, on disconnect,
 * and its admin client has no leaveGroup. This is the one place that relies on KafkaJS beyond its
 * type definitions, and it goes through KafkaJS's own connections, so the client's TLS, SASL,
 * client id and timeouts apply as they do to the consumer:
 * - the Cluster is reached through the public custom-assigner contract (a consumer calls each
 *   assigner factory with `{ cluster }` when it is created); that consumer is never connected
 *   and never joins anything;
 * - `Broker.leaveGroup({ groupId, memberId })` is a public method of KafkaJS's Broker
 *   (src/broker/index.js) left out of its type definitions: the one cast below. It negotiates the
 *   LeaveGroup version with the broker (v3 sends the member as a one-member batch).
 * Check both when upgrading KafkaJS.
 */
type LeavingBroker = Broker & { leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown> };

/** 'unknown': the group holds no such member (it left, or its session expired); nothing was changed. */
export type LeaveOutcome = 'removed' | 'unknown';

/** Answers that mean the member is not in the group, which is what the caller wants anyway. */
const ABSENT = new Set(['UNKNOWN_MEMBER_ID', 'GROUP_ID_NOT_FOUND']);
const ATTEMPTS = 4;

function protocolType(err: unknown): { type?: string; retriable: boolean } {
  if (typeof err !== 'object' || err === null) return { retriable: false };
  const e = err as { type?: unknown; retriable?: unknown };
  return { ...(typeof e.type === 'string' ? { type: e.type } : {}), retriable: e.retriable === true };
}

/** A Cluster built by `kafka` with its connection settings, not connected yet. */
function clusterOf(kafka: Kafka, groupId: string): Cluster {
  let cluster: Cluster | undefined;
  const capture: PartitionAssigner = (config) => {
    cluster = config.cluster;
    return { name: 'ScorestreamLeaveGroupOnly', version: 0, assign: () => Promise.resolve([]), protocol: () => ({ name: 'ScorestreamLeaveGroupOnly', metadata: Buffer.alloc(0) }) };
  };
  kafka.consumer({ groupId, partitionAssigners: [capture] });
  if (!cluster) throw new Error('KafkaJS did not hand its cluster to the partition assigner (a KafkaJS other than 2.2.4?)');
  return cluster;
}

/**
 * Removes member `memberId` from group `groupId` at its coordinator (FindCoordinator, then
 * LeaveGroup), retrying while the coordinator moves or loads. The coordinator then rebalances the
 * group without waiting for that member's session to expire.
 */
export async function leaveGroupFor(kafka: Kafka, groupId: string, memberId: string): Promise<LeaveOutcome> {
  const cluster = clusterOf(kafka, groupId);
  try {
    await cluster.connect();
    // The broker list comes with metadata; without it the coordinator lookup waits out one retry first.
    await cluster.refreshMetadata();
    for (let attempt = 1; ; attempt++) {
      try {
        const coordinator = (await cluster.findGroupCoordinator({ groupId })) as LeavingBroker;
        await coordinator.leaveGroup({ groupId, memberId });
        return 'removed';
      } catch (err: unknown) {
        const { type, retriable } = protocolType(err);
        if (type !== undefined && ABSENT.has(type)) return 'unknown';
        if (!retriable || attempt >= ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
