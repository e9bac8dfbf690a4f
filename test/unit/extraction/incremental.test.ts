import { describe, expect, it } from 'vitest';
import { compareCursor, filterIncremental, incrementalLog, incrementalStart, incrementalSchema, newCursorState, type CursorState, type Incremental, type IncrementalStart } from '../../../extraction';

const inc = (fields: Partial<Incremental> = {}): Incremental => incrementalSchema.parse({ cursor_path: 'updated_at', initial_value: '2024-01-01T00:00:00Z', primary_key: 'id', ...fields });
const rec = (id: number, updated_at: string | number) => ({ id, updated_at });

/** Runs pages through the filter as a run would; answers the kept ids and the state. */
function run(i: Incremental, start: IncrementalStart, pages: unknown[][]): { ids: number[]; state: CursorState } {
  let state = newCursorState();
  const ids: number[] = [];
  pages.forEach((p, n) => {
    const r = filterIncremental(i, start, state, p, `page ${n + 1}`);
    if (!r.ok) throw new Error(r.error);
    ids.push(...r.value.kept.map((x) => (x as { id: number }).id));
    state = JSON.parse(JSON.stringify(r.value.state)) as CursorState; // heartbeated state survives JSON
  });
  return { ids, state };
}

describe('incremental cursors', () => {
  it('compares numbers as numbers, ISO dates as instants (offsets too), else text', () => {
    expect(compareCursor(9, 10)).toBeLessThan(0);
    expect(compareCursor('2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z')).toBeLessThan(0);
    expect(compareCursor('b', 'a')).toBeGreaterThan(0);
  });
  it('a first run starts at initial_value and tracks the highest value whatever the order', () => {
    const i = inc();
    const { ids, state } = run(i, incrementalStart(i, null), [
      [rec(1, '2023-12-31T00:00:00Z'), rec(2, '2024-03-01T00:00:00Z')],
      [rec(3, '2024-02-01T00:00:00Z'), rec(4, '2024-03-01T00:00:00Z')],
    ]);
    expect(ids).toEqual([2, 3, 4]);
    expect(state).toMatchObject({ last: '2024-03-01T00:00:00Z', ordered: false });
    expect(state.boundary).toHaveLength(2);
  });
  it('the next run starts at the last value and drops the records it already wrote there (APIs filter with >=)', () => {
    const i = inc();
    const first = run(i, incrementalStart(i, null), [[rec(1, '2024-02-01T00:00:00Z'), rec(2, '2024-03-01T00:00:00Z'), rec(3, '2024-03-01T00:00:00Z')]]);
    const log = incrementalLog(first.state, null, 'all')!;
    const start = incrementalStart(i, log);
    expect(start.start_value).toBe('2024-03-01T00:00:00Z');
    const second = run(i, start, [[rec(2, '2024-03-01T00:00:00Z'), rec(3, '2024-03-01T00:00:00Z'), rec(4, '2024-03-01T00:00:00Z'), rec(5, '2024-03-02T00:00:00Z')]]);
    expect(second.ids).toEqual([4, 5]);
  });
  it('a changed record at the boundary value with the same key is dropped only when its key matches; without a primary key the whole record counts', () => {
    const i = inc({ primary_key: undefined });
    const first = run(i, incrementalStart(i, null), [[{ id: 1, updated_at: 5, v: 'a' }]]);
    const start = incrementalStart(i, incrementalLog(first.state, null, 'all'));
    expect(run(i, start, [[{ id: 1, updated_at: 5, v: 'a' }, { id: 1, updated_at: 5, v: 'b' }]]).ids).toEqual([1]);
  });
  it('lag moves the start back: seconds for dates, units for numbers', () => {
    expect(incrementalStart(inc({ lag: 3600 }), { last_value: '2024-03-01T00:00:00Z', boundary: [], ordered: true }).start_value).toBe('2024-02-29T23:00:00.000Z');
    expect(incrementalStart(inc({ lag: 10, initial_value: 0 }), { last_value: 100, boundary: [], ordered: true }).start_value).toBe(90);
  });
  it('min tracking walks backwards; end_value bounds a window and is exclusive', () => {
    const down = inc({ last_value_func: 'min', initial_value: 100, cursor_path: 'n' });
    const r = run(down, incrementalStart(down, null), [[{ id: 1, n: 120 }, { id: 2, n: 90 }, { id: 3, n: 80 }]]);
    expect(r.ids).toEqual([2, 3]);
    expect(r.state.last).toBe(80);
    const win = inc({ initial_value: 10, end_value: 20, cursor_path: 'n' });
    expect(run(win, incrementalStart(win, null), [[{ id: 1, n: 9 }, { id: 2, n: 10 }, { id: 3, n: 19 }, { id: 4, n: 20 }]]).ids).toEqual([2, 3]);
  });
  it('an integer cursor past 2^53 (a bigint from the page parser) is tracked exactly, as its digits, and compared as an integer', () => {
    // Snowflake-style ids as cursors: JSON.parse would round 1790000000000000001 to ...000000.
    const i = inc({ cursor_path: 'since_id', initial_value: '1790000000000000001', lag: 1 });
    const big = (id: number, since_id: bigint) => ({ id, since_id });
    const first = run(i, incrementalStart(i, null), [[big(1, 1790000000000000000n), big(2, 1790000000000000001n), big(3, 1790000000000000002n)]]);
    expect(first.ids).toEqual([2, 3]);
    expect(first.state.last).toBe('1790000000000000002');
    const log = incrementalLog(first.state, null, 'all')!;
    // The lag is applied in integer arithmetic, without rounding.
    const start = incrementalStart(i, log);
    expect(start.start_value).toBe('1790000000000000001');
    expect(run(i, start, [[big(3, 1790000000000000002n), big(4, 1790000000000000003n)]]).ids).toEqual([4]);
    // Integers compare as integers, whether numbers or digits of any length.
    expect(compareCursor('9', '10')).toBeLessThan(0);
    expect(compareCursor(9007199254740993n.toString(), 9007199254740991)).toBeGreaterThan(0);
    expect(compareCursor('-20', '-3')).toBeLessThan(0);
  });
  it('a record without the cursor field fails, naming the page, the record and the field', () => {
    const r = filterIncremental(inc(), incrementalStart(inc(), null), newCursorState(), [rec(1, '2024-05-01T00:00:00Z'), { id: 2 }], 'page 3');
    expect(r).toEqual({ ok: false, error: 'page 3, record 2: incremental.cursor_path "updated_at" is missing, expected a string or a number' });
  });
  it('a run that wrote nothing carries the last value forward; a partial run moves it only when its records came in order', () => {
    const prev = { last_value: '2024-03-01T00:00:00Z', boundary: ['x'], ordered: true };
    expect(incrementalLog(newCursorState(), prev, 'all')).toEqual(prev);
    const unordered: CursorState = { last: '2024-04-01T00:00:00Z', boundary: [], prev: null, ordered: false };
    expect(incrementalLog(unordered, prev, 'partial')).toEqual(prev);
    expect(incrementalLog({ ...unordered, ordered: true }, prev, 'partial')).toMatchObject({ last_value: '2024-04-01T00:00:00Z' });
    expect(incrementalLog(unordered, prev, 'all')).toMatchObject({ last_value: '2024-04-01T00:00:00Z' });
  });
});
