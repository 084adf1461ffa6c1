import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LeadSample, parseSample, sampleRank } from '../../../src/training/sample';
import { readScoringPoints } from '../../../src/training/scoring-points';

describe('the per-lead sample', () => {
  it('keeps the N events of smallest rank whatever the order they come in', () => {
    const policy = parseSample('per-lead:3', 7);
    const ids = Array.from({ length: 40 }, (_, i) => `event-${i}`);
    const keep = (order: string[]): string[] => {
      const s = new LeadSample<string>(3);
      for (const id of order) s.offer(sampleRank(policy, id), id);
      return s.kept();
    };
    const forward = keep(ids);
    expect(forward).toHaveLength(3);
    expect(keep([...ids].reverse())).toEqual(forward);
    // Another seed picks other events.
    const other = new LeadSample<string>(3);
    for (const id of ids) other.offer(sampleRank(parseSample('per-lead:3', 8), id), id);
    expect(other.kept()).not.toEqual(forward);
  });

  it('refuses a policy it does not know', () => {
    expect(() => parseSample('per-lead:0', 1)).toThrow(/expected all or per-lead:N/);
    expect(() => parseSample('half', 1)).toThrow(/expected all or per-lead:N/);
    expect(parseSample('all', 1)).toEqual({ kind: 'all' });
  });
});

describe('scoring points (--at)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-at-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (text: string): string => {
    const f = path.join(dir, `${Math.random()}.jsonl`);
    fs.writeFileSync(f, text);
    return f;
  };

  it('reads events, pairs and true probabilities', () => {
    const points = readScoringPoints(file('{"lead_id":"l1","event_id":"e1","p_convert":0.2,"pairs":[{"property_id":"p1","p_tour":0.1}],"other":1}\n\n{"lead_id":"l2","event_id":"e2"}\n'));
    expect(points.get('e1')).toEqual({ leadId: 'l1', pConvert: 0.2, pChurn: undefined, pairs: [{ propertyId: 'p1', pTour: 0.1 }] });
    expect(points.get('e2')).toEqual({ leadId: 'l2', pConvert: undefined, pChurn: undefined, pairs: undefined });
  });

  it('names the line of a bad entry', () => {
    expect(() => readScoringPoints(file('{"lead_id":"l1","event_id":"e1"}\nnot json\n'))).toThrow(/line 2: not a JSON object/);
    expect(() => readScoringPoints(file('{"lead_id":"l1","event_id":"e1","p_churn":1.5}\n'))).toThrow(/line 1: p_churn must be a probability/);
    expect(() => readScoringPoints(file('{"lead_id":"l1","event_id":"e1"}\n{"lead_id":"l1","event_id":"e1"}\n'))).toThrow(/line 2: event e1 is listed twice/);
    expect(() => readScoringPoints(path.join(dir, 'missing.jsonl'))).toThrow(/--at .*missing\.jsonl/);
  });
});
