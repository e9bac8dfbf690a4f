/**
 * Transformations, run after data_schema on the output columns, priority high first (default 0, config
 * order on ties). Semantics follow Python's str methods, which the seed's extractor used:
 * title() upper-cases the first letter of every word and lower-cases the rest ("they're" -> "They'Re"),
 * capitalize() upper-cases the first character and lower-cases the rest, replace() replaces every
 * occurrence literally, split() on a character gives a list, slice takes Python bounds (negatives count
 * from the end, null means open).
 *
 * Value rules: null/missing stays null; numbers and booleans are treated as their text; a list gets the
 * text actions element by element (so split -> upper -> join composes), slice cuts the list itself,
 * join joins it; objects are left as they are (they are not text).
 */
import { sortTransformations } from './columns';
import { stringifyJson } from './json';
import type { Transformation } from './config';
import { isPlainObject, type JsonObject } from './result';

const chars = (s: string): string[] => Array.from(s); // code points, as Python indexes them

function title(s: string): string {
  let out = '';
  let prevLetter = false;
  for (const ch of chars(s)) {
    const letter = /\p{L}/u.test(ch);
    out += letter ? (prevLetter ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevLetter = letter;
  }
  return out;
}

function capitalize(s: string): string {
  const cs = chars(s);
  return cs.length ? (cs[0] as string).toUpperCase() + cs.slice(1).join('').toLowerCase() : s;
}

/** Python slice bounds, clamped. */
function pySlice<T>(items: readonly T[], start: number | null | undefined, stop: number | null | undefined): T[] {
  const n = items.length;
  const norm = (i: number) => (i < 0 ? Math.max(0, n + i) : Math.min(i, n));
  const a = start === null || start === undefined ? 0 : norm(start);
  const b = stop === null || stop === undefined ? n : norm(stop);
  return items.slice(a, Math.max(a, b));
}

/** Splits like Python's str.split(sep): empty pieces are kept. */
const pySplit = (s: string, sep: string): string[] => s.split(sep);

function textAction(t: Transformation, s: string): unknown {
  switch (t.action) {
    case 'replace':
      return s.split(t.params.to_replace).join(t.params.value);
    case 'trim':
      return s.trim();
    case 'ltrim':
      return s.trimStart();
    case 'rtrim':
      return s.trimEnd();
    case 'lower':
      return s.toLowerCase();
    case 'upper':
      return s.toUpperCase();
    case 'title':
      return title(s);
    case 'capitalize':
      return capitalize(s);
    case 'split':
      return pySplit(s, t.params.char);
    case 'slice':
      return pySlice(chars(s), t.params.start, t.params.stop).join('');
    case 'join':
      return s; // already text
  }
}

const asText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : undefined;

/** One action on one value. */
export function transformValue(t: Transformation, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    if (t.action === 'slice') return pySlice(value, t.params.start, t.params.stop);
    if (t.action === 'join') return value.map((v) => (v === null || v === undefined ? '' : (asText(v) ?? stringifyJson(v)))).join(t.params.sep);
    return value.map((v) => {
      const s = asText(v);
      return s === undefined ? v : textAction(t, s);
    });
  }
  if (isPlainObject(value)) return value;
  const s = asText(value);
  return s === undefined ? value : textAction(t, s);
}

/**
 * Applies every transformation to a row. Without new_column_prefix the column is overwritten; with it the
 * result goes to `prefix + column` (created as null when the source column is absent).
 */
export function applyTransformations(transformations: readonly Transformation[], row: JsonObject): JsonObject {
  if (transformations.length === 0) return row;
  const out: JsonObject = { ...row };
  for (const t of sortTransformations(transformations)) {
    for (const col of t.on) {
      const present = Object.prototype.hasOwnProperty.call(out, col);
      if (t.new_column_prefix !== undefined) out[t.new_column_prefix + col] = present ? transformValue(t, out[col]) : null;
      else if (present) out[col] = transformValue(t, out[col]);
    }
  }
  return out;
}
