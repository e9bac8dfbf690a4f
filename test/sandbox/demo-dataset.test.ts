import { describe, expect, it } from 'vitest';
import { buildView, demoRecord, reversed, type Timeline } from '../../sandbox/demo/dataset';

// The demo data set computes pages without listing records: check the arithmetic against brute force.

const T: Timeline = { epochMs: Date.parse('2024-01-01T00:00:00Z'), stepMs: 30_000, count: 60 };

function brute(t: Timeline, touched: Map<number, { at: number; version: number }>, sinceMs: number | undefined, inclusive: boolean, sort: 'id' | 'updated_at'): number[] {
  const all = Array.from({ length: t.count }, (_, k) => k + 1).map((id) => ({ id, at: touched.get(id)?.at ?? t.epochMs + id * t.stepMs }));
  const kept = all.filter((r) => sinceMs === undefined || (inclusive ? r.at >= sinceMs : r.at > sinceMs));
  kept.sort((a, b) => (sort === 'id' ? a.id - b.id : a.at - b.at || a.id - b.id));
  return kept.map((r) => r.id);
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('demo dataset views', () => {
  it('matches brute force for random touches, filters, orders and windows', () => {
    const r = rng(42);
    const lastBase = T.epochMs + T.count * T.stepMs;
    for (let round = 0; round < 300; round++) {
      const touched = new Map<number, { at: number; version: number }>();
      const n = Math.floor(r() * 8);
      for (let k = 0; k < n; k++) touched.set(1 + Math.floor(r() * T.count), { at: lastBase + 1000 + Math.floor(r() * 5) * 1000, version: 2 });
      const sinceMs = r() < 0.2 ? undefined : T.epochMs + Math.floor(r() * (T.count + 10)) * T.stepMs + (r() < 0.5 ? 0 : 7_000);
      const inclusive = r() < 0.5;
      const sort = r() < 0.5 ? 'id' : 'updated_at';
      const expected = brute(T, touched, sinceMs, inclusive, sort);
      const view = buildView(T, touched, { ...(sinceMs !== undefined ? { sinceMs } : {}), inclusive, sort });
      expect(view.total).toBe(expected.length);
      const offset = Math.floor(r() * (expected.length + 3));
      const limit = 1 + Math.floor(r() * 15);
      expect(view.slice(offset, limit)).toEqual(expected.slice(offset, offset + limit));
      expect(reversed(view).slice(offset, limit)).toEqual([...expected].reverse().slice(offset, offset + limit));
    }
  });

  it('computes record i from i alone: deterministic, nested, spread over time', () => {
    const a = demoRecord(T, 7);
    expect(demoRecord(T, 7)).toEqual(a);
    expect(a).toMatchObject({ id: 7, owner: { id: expect.any(Number), name: expect.any(String) }, address: { city: expect.any(String) } });
    expect(Array.isArray(a.tags)).toBe(true);
    expect(Date.parse(a.updated_at)).toBe(T.epochMs + 7 * 30_000);
    expect(Date.parse(a.created_at)).toBeLessThanOrEqual(Date.parse(a.updated_at));
    expect(demoRecord(T, 8).name === a.name && demoRecord(T, 9).name === a.name).toBe(false);
  });

  // How fast it is at that depth is measured by `npm run bench -- sandbox` (demo_view_10m_ms).
  it('pages a 10M-record view deep down without listing it', () => {
    const big: Timeline = { ...T, count: 10_000_000 };
    const view = buildView(big, new Map(), { inclusive: true, sort: 'id' });
    const ids = view.slice(9_999_900, 100);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, k) => 9_999_901 + k));
  });
});
