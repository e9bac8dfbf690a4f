/**
 * JsonField: the seed's dot path into a JSON document (`user.account.number`, `info.more_records`).
 * Keys may start with `$` (Zoho's `$currency_symbol`); a numeric segment also indexes an array
 * (`data.0.id`). A key that itself contains a dot cannot be addressed.
 */
import { isPlainObject, type Result, ok, err } from './result';

export type JsonPath = readonly string[];

/** Splits and checks a JsonField; whitespace is refused because it is almost always a typo in a config. */
export function parseJsonField(field: string): Result<JsonPath> {
  if (field.length === 0) return err('JsonField is empty');
  if (/\s/.test(field)) return err(`JsonField "${field}" contains whitespace`);
  const parts = field.split('.');
  if (parts.some((p) => p.length === 0)) return err(`JsonField "${field}" has an empty segment`);
  return ok(parts);
}

export const isJsonField = (field: string): boolean => parseJsonField(field).ok;

/** The value at `path`, or undefined when any step is missing. JSON never holds undefined, so it means "absent". */
export function getPath(doc: unknown, path: JsonPath): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key)) return undefined;
      cur = cur[Number(key)];
    } else if (isPlainObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
      cur = cur[key];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** getPath for a field given as text; an invalid field reads as absent (configs are validated at parse time). */
export function getField(doc: unknown, field: string): unknown {
  const path = parseJsonField(field);
  return path.ok ? getPath(doc, path.value) : undefined;
}

/**
 * A copy of `doc` with `value` at `field`, creating objects on the way. Used to put a cursor into a request
 * body; arrays on the way are refused rather than guessed at.
 */
export function setField(doc: unknown, field: string, value: unknown): Result<Record<string, unknown>> {
  const path = parseJsonField(field);
  if (!path.ok) return err(path.error);
  const root: Record<string, unknown> = isPlainObject(doc) ? { ...doc } : {};
  let cur = root;
  const keys = path.value;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] as string;
    const next = cur[key];
    if (next !== undefined && !isPlainObject(next)) return err(`cannot set "${field}": "${key}" is not an object`);
    const copy: Record<string, unknown> = next === undefined ? {} : { ...next };
    cur[key] = copy;
    cur = copy;
  }
  cur[keys[keys.length - 1] as string] = value;
  return ok(root);
}
