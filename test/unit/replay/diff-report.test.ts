import { diffReport, formatReport, type PreviousScore } from '../../../src/replay/diff-report';
import type { ScoreLine } from '../../../src/process/batch-task';

const line = (offset: number, value: number): ScoreLine => ({ source: { topic: 'lead.events', partition: 0, offset: String(offset) }, model: 'lead_scorer', version: '1.1.0', value });

describe('diffReport', () => {
  it('counts changed, unchanged and missing records and describes the change', () => {
    const previous = new Map<string, PreviousScore>([
      ['lead.events/0/1', { version: '1.0.0', value: 0.5 }],
      ['lead.events/0/2', { version: '1.0.0', value: 0.2 }],
      ['lead.events/0/3', { version: '1.0.0', value: 0.9 }],
    ]);
    const r = diffReport('lead_scorer', '1.1.0', [line(1, 0.5), line(2, 0.25), line(3, 0.6), line(4, 0.1)], previous);
    expect(r).toMatchObject({ rescored: 4, compared: 3, missingPrevious: 1, changed: 2, unchanged: 1, previousVersions: { '1.0.0': 3 } });
    expect(r.delta.maxAbsDelta).toBeCloseTo(0.3);
    expect(r.histogram.find((b) => b.upTo === '0.05')?.count).toBe(1);
    expect(r.histogram.find((b) => b.upTo === '0.25')?.count).toBe(0);
    expect(r.histogram.find((b) => b.upTo === 'more')?.count).toBe(1);
    expect(r.largest.map((c) => c.source)).toEqual(['lead.events/0/3', 'lead.events/0/2']);
    expect(formatReport(r)[1]).toBe('  changed 2, unchanged 1');
  });
});
