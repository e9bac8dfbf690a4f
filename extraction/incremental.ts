/**
 * Incremental cursors beside `last::` (as dlt's `incremental` and Airbyte's cursor fields): a field of each record
 * (`cursor_path`) whose highest value (or lowest, `last_value_func: "min"`) over a run is where the next run starts,
 * whatever order the API returns records in.
 *
 *   incremental: { cursor_path: "updated_at", initial_value: "2024-01-01T00:00:00Z", primary_key: "id",
 *                  lag: 3600, end_value: "...", last_value_func: "max" }
 *
 * - A run starts at the last run's value (minus `lag`: seconds for dates, units for numbers), or at initial_value.
 *   `${incremental::start_value}` / `$(incremental::end_value)` put it in params and bodies.
 * - Records before the start are dropped, and so are records at the start that the last run already wrote (their
 *   primary keys, or their hashes without one, are kept for the boundary value: APIs filter with >=).
 * - Records at or past end_value are dropped (a fixed window, for backfills).
 * - A record without the cursor field fails the run: an incremental run cannot tell where it belongs.
 * - Values compare as numbers when both are numbers or integers in digits (an integer past 2^53 is kept as its digits,
 *   exact), as instants when both read as ISO 8601 dates, else as text.
 * The state rides in the writer state, so it moves exactly with the parts written; a partial run moves the cursor
 * only when its records came in cursor order (else records before its highest value may not have been read yet).
 */
import { z } from 'zod';
import { hashString } from './fingerprint';
import { getField, parseJsonField } from './json-field';
import { err, ok, type Result } from './result';

const field = z.string().superRefine((s, ctx) => {
  const r = parseJsonField(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});
const cursorValue = z.union([z.string().min(1, 'Must not be empty'), z.number()]);

export const incrementalSchema = z.object({
  cursor_path: field,
  initial_value: cursorValue,
  end_value: cursorValue.optional(),
  lag: z.number().min(0).optional(),
  last_value_func: z.enum(['max', 'min']).default('max'),
  primary_key: z.union([field, z.array(field).min(1)]).optional(),
});
export type Incremental = z.infer<typeof incrementalSchema>;
export type CursorValue = string | number;

/** Where a run starts: its start (lag applied) and the keys of the records the last run wrote at its last value. */
export interface IncrementalStart {
  start_value: CursorValue;
  end_value: CursorValue | null;
  /** The boundary keys apply to records whose cursor equals this (the last run's value, before the lag). */
  boundary_value: CursorValue | null;
  boundary: string[];
}

/** What a run has seen so far: plain JSON, carried in the writer state. */
export interface CursorState {
  last: CursorValue | null;
  /** Keys of the written records whose cursor equals `last`. */
  boundary: string[];
  /** The previous record's cursor, and whether every record so far came in cursor order. */
  prev: CursorValue | null;
  ordered: boolean;
}

/** What a run log keeps for the next run. */
export interface IncrementalLog {
  last_value: CursorValue;
  boundary: string[];
  /** False when the records came out of cursor order: a partial run with it false does not move the cursor. */
  ordered: boolean;
}

/** Boundary keys kept at most: a run where more records share the last value re-reads the extra ones next time. */
export const MAX_BOUNDARY_KEYS = 1000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const asInstant = (v: CursorValue): number | null => (typeof v === 'string' && ISO_DATE.test(v) ? Date.parse(v) : null);

const INTEGER = /^-?\d+$/;
const asInteger = (v: CursorValue): bigint | null =>
  typeof v === 'number' ? (Number.isInteger(v) ? BigInt(v) : null) : INTEGER.test(v) ? BigInt(v) : null;

/** Orders two cursor values (negative: a before b). */
export function compareCursor(a: CursorValue, b: CursorValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ia = asInteger(a);
  const ib = asInteger(b);
  if (ia !== null && ib !== null) return ia < ib ? -1 : ia > ib ? 1 : 0;
  const ta = asInstant(a);
  const tb = asInstant(b);
  if (ta !== null && tb !== null && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** `v` moved back by the lag, in the value's own kind (an ISO date stays ISO, in UTC). */
function withLag(inc: Incremental, v: CursorValue): CursorValue {
  if (!inc.lag) return v;
  const sign = inc.last_value_func === 'max' ? -1 : 1;
  if (typeof v === 'number') return v + sign * inc.lag;
  if (INTEGER.test(v)) {
    // Integer arithmetic on the digits (past 2^53 a number would round); zero-padding is kept.
    const moved = (BigInt(v) + BigInt(sign * Math.round(inc.lag))).toString();
    return /^0\d/.test(v) && !moved.startsWith('-') ? moved.padStart(v.length, '0') : moved;
  }
  const t = asInstant(v);
  return t === null || Number.isNaN(t) ? v : new Date(t + sign * inc.lag * 1000).toISOString();
}

/** Where this run starts, from the last run's log (null: the first run). */
export function incrementalStart(inc: Incremental, previous: IncrementalLog | null): IncrementalStart {
  const end_value = inc.end_value ?? null;
  if (!previous) return { start_value: inc.initial_value, end_value, boundary_value: null, boundary: [] };
  return { start_value: withLag(inc, previous.last_value), end_value, boundary_value: previous.last_value, boundary: previous.boundary };
}

export const newCursorState = (): CursorState => ({ last: null, boundary: [], prev: null, ordered: true });

function keyOf(inc: Incremental, record: unknown): string {
  const pk = inc.primary_key;
  if (pk === undefined) return hashString(JSON.stringify(record));
  const parts = (Array.isArray(pk) ? pk : [pk]).map((p) => getField(record, p) ?? null);
  return hashString(JSON.stringify(parts));
}

/**
 * Keeps the records of a page that belong to this run and moves the state over them. `page` names the page in
 * errors.
 */
export function filterIncremental(inc: Incremental, start: IncrementalStart, state: CursorState, records: readonly unknown[], page: string): Result<{ kept: unknown[]; state: CursorState; dropped: number }> {
  const dir = inc.last_value_func === 'max' ? 1 : -1;
  const boundary = new Set(start.boundary);
  const s: CursorState = { ...state, boundary: [...state.boundary] };
  let seen = new Set(s.boundary);
  const kept: unknown[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const raw = getField(r, inc.cursor_path);
    // An integer past 2^53 comes from the page parser as a bigint: kept as its digits (plain JSON, exact).
    const v = typeof raw === 'bigint' ? raw.toString() : raw;
    if (typeof v !== 'string' && typeof v !== 'number') {
      return err(`${page}, record ${i + 1}: incremental.cursor_path "${inc.cursor_path}" is ${v === undefined ? 'missing' : JSON.stringify(v)}, expected a string or a number`);
    }
    if (s.prev !== null && dir * compareCursor(v, s.prev) < 0) s.ordered = false;
    s.prev = v;
    const fromStart = dir * compareCursor(v, start.start_value);
    if (fromStart < 0) continue;
    if (start.end_value !== null && dir * compareCursor(v, start.end_value) >= 0) continue;
    const key = keyOf(inc, r);
    if (start.boundary_value !== null && compareCursor(v, start.boundary_value) === 0 && boundary.has(key)) continue;
    kept.push(r);
    if (s.last === null || dir * compareCursor(v, s.last) > 0) {
      s.last = v;
      s.boundary = [key];
      seen = new Set(s.boundary);
    } else if (compareCursor(v, s.last) === 0 && s.boundary.length < MAX_BOUNDARY_KEYS && !seen.has(key)) {
      s.boundary.push(key);
      seen.add(key);
    }
  }
  return ok({ kept, state: s, dropped: records.length - kept.length });
}

/**
 * The log entry for the next run: this run's last value, or the previous one carried forward when it wrote nothing;
 * null when neither exists. `published: 'partial'` keeps the previous value unless the records came in order.
 */
export function incrementalLog(state: CursorState | undefined, previous: IncrementalLog | null, published: 'all' | 'partial'): IncrementalLog | null {
  if (!state || state.last === null) return previous;
  if (published === 'partial' && !state.ordered) return previous;
  return { last_value: state.last, boundary: state.boundary, ordered: state.ordered };
}
