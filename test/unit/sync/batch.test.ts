import { describe, expect, it } from 'vitest';
import { BATCH_LIMITS, batchPlan, chunk, emptyPlan, type SyncPlan } from '../../../sync';

function bigPlan(n: number): SyncPlan {
  const p = emptyPlan();
  for (let i = 0; i < n; i++) {
    const linkId = `L${i}`;
    for (const side of ['google', 'zoho'] as const) {
      p[side].creates.push({ linkId, contact: { firstName: `n${i}` } });
      p[side].updates.push({ linkId, id: `id${i}`, contact: {}, fields: [], baseVersion: 'v' });
      p[side].deletes.push({ linkId, id: `id${i}` });
      p[side].tags.push({ linkId, id: `id${i}`, tag: 't' });
    }
  }
  return p;
}
const sizes = (batches: unknown[][]): number[] => batches.map((b) => b.length);

describe('batching', () => {
  it('chunk: consecutive slices, the last one short, none for nothing', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
  it('Google: 200 creates and updates, 500 deletes; Zoho CRM: 100 each', () => {
    const b = batchPlan(bigPlan(1001), { google: BATCH_LIMITS.google, zoho: BATCH_LIMITS.zohoCrm });
    expect(sizes(b.google.creates)).toEqual([200, 200, 200, 200, 200, 1]);
    expect(sizes(b.google.updates)).toEqual([200, 200, 200, 200, 200, 1]);
    expect(sizes(b.google.deletes)).toEqual([500, 500, 1]);
    expect(sizes(b.google.tags)).toEqual([1000, 1]);
    expect(sizes(b.zoho.creates)).toEqual([...Array(10).fill(100), 1]);
    expect(sizes(b.zoho.deletes)).toEqual([...Array(10).fill(100), 1]);
  });
  it('Zoho Creator: 200 a call', () => {
    const b = batchPlan(bigPlan(400), { google: BATCH_LIMITS.google, zoho: BATCH_LIMITS.zohoCreator });
    expect(sizes(b.zoho.creates)).toEqual([200, 200]);
    expect(sizes(b.zoho.updates)).toEqual([200, 200]);
  });
  it('keeps the plan order and every item exactly once', () => {
    const p = bigPlan(250);
    const b = batchPlan(p, { google: BATCH_LIMITS.google, zoho: BATCH_LIMITS.zohoCrm });
    expect(b.zoho.updates.flat()).toEqual(p.zoho.updates);
  });
});
