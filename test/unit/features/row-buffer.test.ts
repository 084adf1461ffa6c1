import { RowBuffer } from '../../../src/features/row-buffer';
import type { FeatureSpec } from '../../../src/features/spec';

const spec: FeatureSpec[] = [
  { name: 'a', dtype: 'float32', min: 0, max: 10, doc: '' },
  { name: 'b', dtype: 'float32', min: -1, max: 1, doc: '' },
];

describe('RowBuffer', () => {
  it('writes rows in order into one tensor, growing past its first capacity', () => {
    const rows = new RowBuffer(spec, 1);
    for (let i = 0; i < 5; i++) expect(rows.push([i, i % 2 === 0 ? 0.5 : -0.5])).toBeUndefined();
    rows.append(Float32Array.of(9, 1));
    expect(rows.count).toBe(6);
    expect([...rows.view()]).toEqual([0, 0.5, 1, -0.5, 2, 0.5, 3, -0.5, 4, 0.5, 9, 1]);
    expect([...rows.row(3)]).toEqual([3, -0.5]);
  });

  it('appends nothing for a row with a value out of range, not finite or missing, and says which', () => {
    const rows = new RowBuffer(spec, 2);
    rows.push([1, 0]);
    expect(rows.push([11, 0])).toMatchObject({ ok: false, kind: 'out_of_range', field: 'a' });
    expect(rows.push([1, Number.NaN])).toMatchObject({ ok: false, kind: 'not_finite', field: 'b' });
    expect(rows.push([1])).toMatchObject({ ok: false, kind: 'missing', field: 'b' });
    expect(rows.count).toBe(1);
    expect([...rows.view()]).toEqual([1, 0]);
  });
});
