import { describe, expect, it } from 'vitest';
import { ParentRecords } from '../../../activities/extraction/parent-records';
import type { ParentValues } from '../../../extraction';

/** A store of `n` parent records (record i holds `{ id: i + 1 }`), counting its queries; `missing` are not stored. */
function store(n: number, missing: number[] = []) {
  const queries: [number, number][] = [];
  return {
    queries,
    async range(_run: string, from: number, to: number): Promise<Map<number, ParentValues>> {
      queries.push([from, to]);
      const out = new Map<number, ParentValues>();
      for (let i = from; i < Math.min(to, n); i++) if (!missing.includes(i)) out.set(i, { id: i + 1 });
      return out;
    },
  };
}

describe('ParentRecords: a child run reading its parent run records', () => {
  it('reads them a window at a time, in order, and null past the count the parent wrote', async () => {
    const s = store(1200);
    const parents = new ParentRecords(s, { runWorkflowId: 'p', records: 1200 });
    const seen: unknown[] = [];
    for (let i = 0; ; i++) {
      const v = await parents.at(i);
      if (v === null) break;
      seen.push(v.id);
    }
    expect(seen).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(s.queries).toEqual([
      [0, 500],
      [500, 1000],
      [1000, 1200],
    ]);
  });
  it('a resumed run starts at its parent record; records the parent stored past its count are not read', async () => {
    const s = store(100);
    const parents = new ParentRecords(s, { runWorkflowId: 'p', records: 40 });
    expect(await parents.at(37)).toEqual({ id: 38 });
    expect(await parents.at(40)).toBeNull();
    expect(s.queries).toEqual([[37, 40]]);
  });
  it('a record that should be stored and is not fails the run, naming it', async () => {
    const parents = new ParentRecords(store(10, [3]), { runWorkflowId: 'p', records: 10 });
    await expect(parents.at(3)).rejects.toThrow('parent record 4 of run p is not stored');
  });
});
