import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Partition p of every subscribed topic goes to the same member. lead.events and
 * engagement.events are co-partitioned by lead_id, and a lead's state is updated by both: with
 * KafkaJS's default round-robin, lead.events[p] and engagement.events[p] could land on different
 * instances, and two instances would update one lead's state. Partition numbers are dealt to the
 * members (sorted by id, so every member computes the same plan) in turn.
 */
export function assignByPartition(memberIds: readonly string[], partitionsByTopic: ReadonlyMap<string, readonly number[]>): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const numbers = [...new Set([...partitionsByTopic.values()].flat())].sort((a, b) => a - b);
  const plan = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  numbers.forEach((p, i) => {
    const owner = plan.get(members[i % members.length] as string) as Record<string, number[]>;
    for (const [topic, partitions] of partitionsByTopic) if (partitions.includes(p)) (owner[topic] ??= []).push(p);
  });
  return plan;
}

export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'ScorestreamCoPartitioned',
  version: 0,
  async assign({ members, topics }) {
    const partitions = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]));
    const plan = assignByPartition(
      members.map((m) => m.memberId),
      partitions,
    );
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: 'ScorestreamCoPartitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
