import type { Producer } from 'kafkajs';
import { fencingProducer } from '../../../src/process/producers';
import { useTestKafka } from '../../helpers/kafka';

/**
 * What one transaction costs in requests on the real broker. KafkaJS 2.2.4 asked for the
 * coordinator (FindCoordinator, `GroupCoordinator` in KafkaJS's names) before each of
 * AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn: four extra round trips per
 * transaction, each one the broker answers on the same cores as the processor. The patch in
 * `patches/` keeps the coordinators it found (test/unit/kafka/transaction-coordinator checks
 * when it forgets them).
 */
jest.setTimeout(120_000);

function countRequests(producer: Producer): Map<string, number> {
  const counts = new Map<string, number>();
  producer.on(producer.events.REQUEST, ({ payload }) => counts.set(payload.apiName, (counts.get(payload.apiName) ?? 0) + 1));
  return counts;
}

describe('transaction requests', () => {
  const t = useTestKafka();

  it('asks for the coordinators once, not before every request of every transaction', async () => {
    const topic = await t.createTopic('out');
    const group = t.uniqueId('group');
    const producer = await fencingProducer(t.kafka, t.uniqueId('tx'));
    const counts = countRequests(producer);
    try {
      const transactions = 5;
      for (let i = 0; i < transactions; i++) {
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: 'k', value: `v${i}` }] });
        await tx.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }] });
        await tx.commit();
      }
      expect(counts.get('EndTxn')).toBe(transactions);
      expect(counts.get('TxnOffsetCommit')).toBe(transactions);
      // The transaction coordinator is known from InitProducerId; the group's is asked once.
      expect(counts.get('GroupCoordinator') ?? 0).toBeLessThanOrEqual(1);
    } finally {
      await producer.disconnect();
    }
  });
});
