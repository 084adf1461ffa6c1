import type { KafkaMessage } from 'kafkajs';
import { PartitionMerge, type Merged, type Side } from '../../../src/consume/partition-merge';

const msg = (offset: number, timestamp: number): KafkaMessage =>
  ({ offset: String(offset), timestamp: String(timestamp), key: null, value: null, attributes: 0, headers: {} }) as KafkaMessage;
const ids = (records: readonly Merged[]): string[] => records.map((r) => `${r.side === 0 ? 'L' : 'E'}${r.message.offset}`);
const always = (): boolean => true;
const never = (): boolean => false;

describe('PartitionMerge', () => {
  it('orders both sides by timestamp, lead first on ties', () => {
    const m = new PartitionMerge();
    m.offer(0, [msg(0, 10), msg(1, 20), msg(2, 30)]);
    m.offer(1, [msg(0, 5), msg(1, 20), msg(2, 25)]);
    expect(ids(m.take(100, always).records)).toEqual(['E0', 'L0', 'L1', 'E1', 'E2', 'L2']);
  });

  it('gives the same order whatever the delivery boundaries', () => {
    const lead = [msg(0, 1), msg(1, 4), msg(2, 4), msg(3, 9)];
    const eng = [msg(0, 2), msg(1, 4), msg(2, 8), msg(3, 10)];
    const whole = new PartitionMerge();
    whole.offer(0, lead);
    whole.offer(1, eng);
    const expected = ids(whole.take(100, always).records);

    const pieces = new PartitionMerge();
    const seen: Merged[] = [];
    const deliveries: [Side, KafkaMessage[]][] = [
      [0, lead.slice(0, 2)],
      [1, eng.slice(0, 1)],
      [1, eng.slice(0, 3)], // delivered again from the resolved offset: duplicates are skipped
      [0, lead.slice(1)],
      [1, eng.slice(3)],
    ];
    for (const [side, messages] of deliveries) {
      pieces.offer(side, messages);
      const t = pieces.take(2, never);
      pieces.commit(t.records);
      seen.push(...t.records);
    }
    const rest = pieces.take(100, always).records;
    expect(ids([...seen, ...rest])).toEqual(expected);
  });

  it('waits for a side that may still have earlier records, and says which', () => {
    const m = new PartitionMerge();
    m.offer(0, [msg(0, 10)]);
    expect(m.take(10, never)).toEqual({ records: [], blockedOn: 1 });
    expect(ids(m.take(10, (s) => s === 1).records)).toEqual(['L0']);
  });

  it('moves past committed records and never takes them again', () => {
    const m = new PartitionMerge();
    m.offer(0, [msg(5, 1), msg(6, 2)]);
    const t = m.take(1, always);
    m.commit(t.records);
    expect(m.position(0)).toBe(6n);
    m.offer(0, [msg(5, 1), msg(6, 2), msg(7, 3)]);
    expect(ids(m.take(10, always).records)).toEqual(['L6', 'L7']);
  });

  it('never takes records at or past a limit', () => {
    const m = new PartitionMerge([2n, undefined]);
    m.offer(0, [msg(0, 1), msg(1, 2), msg(2, 3)]);
    expect(ids(m.take(10, always).records)).toEqual(['L0', 'L1']);
  });
});
