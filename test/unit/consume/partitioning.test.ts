import { randomBytes } from 'node:crypto';
import { defaultPartition, murmur2, partitioningViolation } from '../../../src/consume/partitioning';

// KafkaJS's Java-compatible default partitioner, as a second opinion (it is JavaScript, untyped).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

describe('murmur2', () => {
  it('gives the values of the Java client (Kafka UtilsTest.testMurmur2)', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  it('agrees with KafkaJS default partitioner on random keys of every length', () => {
    for (let n = 0; n < 300; n++) {
      const key = randomBytes(n % 70);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key) | 0);
    }
  });
});

describe('the partitioning contract', () => {
  const leadId = 'lead-42';
  const right = defaultPartition(Buffer.from(leadId), 6);

  it('holds for the lead_id key on its murmur2 partition', () => {
    expect(partitioningViolation(Buffer.from(leadId), leadId, right, 6)).toBeUndefined();
  });

  it('is broken by a null key, another key, or another partition', () => {
    expect(partitioningViolation(null, leadId, right, 6)).toMatch(/null key/);
    expect(partitioningViolation(Buffer.from('lead-43'), leadId, right, 6)).toMatch(/not the event's lead_id/);
    expect(partitioningViolation(Buffer.from(leadId), leadId, (right + 1) % 6, 6)).toMatch(/murmur2\(lead_id\) mod 6 is/);
  });
});
