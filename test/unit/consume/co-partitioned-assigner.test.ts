import { assignByPartition } from '../../../src/consume/co-partitioned-assigner';

describe('assignByPartition', () => {
  const topics = new Map([
    ['lead.events', [0, 1, 2, 3, 4, 5]],
    ['engagement.events', [0, 1, 2, 3, 4, 5]],
  ]);

  it('gives partition p of both topics to the same member', () => {
    const plan = assignByPartition(['m-b', 'm-a'], topics);
    expect(Object.fromEntries(plan)).toEqual({
      'm-a': { 'lead.events': [0, 2, 4], 'engagement.events': [0, 2, 4] },
      'm-b': { 'lead.events': [1, 3, 5], 'engagement.events': [1, 3, 5] },
    });
  });

  it('gives everything to a single member, and nothing to members beyond the partition count', () => {
    expect(assignByPartition(['only'], topics).get('only')).toEqual({ 'lead.events': [0, 1, 2, 3, 4, 5], 'engagement.events': [0, 1, 2, 3, 4, 5] });
    const many = assignByPartition(['a', 'b', 'c', 'd', 'e', 'f', 'g'], topics);
    expect(many.get('g')).toEqual({});
  });
});
