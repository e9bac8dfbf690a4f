/**
 * data_key as a selector: the seed's JsonField dot path (`data`, `response.result`, `data.0`), extended with a
 * JSONPath-like subset for records that sit deeper:
 *
 * - `$` as the first segment is the body itself: `$.results`, `$['odata.value']`;
 * - `[*]` or `.*` takes every element of a list (every value of an object): `data[*].items` is the items of every
 *   element of data, all in one list of records;
 * - `[2]` indexes a list; `['odata.value']` or `."odata.value"` is a key holding a dot (or any character).
 *
 * A plain JsonField reads exactly as before (a numeric segment indexes a list). What changed: a segment `*`, a first
 * segment `$`, and `[`, `'` or `"` in a key now mean the syntax above; such keys are written quoted (`['$']`).
 * Only this subset is parsed, as data: no filter scripts (`?(...)`), nothing is ever evaluated as code.
 */
import { err, isPlainObject, ok, type Result } from './result';

/** `field`: a dot segment (a numeric one also indexes a list, as JsonFields do); `key`: a quoted object key only. */
export type SelectorStep = { kind: 'field'; name: string } | { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

export interface RecordSelector {
  steps: SelectorStep[];
  /** With `[*]` / `.*` a selection may match many values, each a list of records or a record. */
  many: boolean;
}

/** A quoted key starting at `from` (a quote): its text and the index after the closing quote. */
function readQuoted(src: string, from: number): Result<{ name: string; next: number }> {
  const q = src[from];
  let name = '';
  for (let i = from + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) name += src[++i];
    else if (c === q) return ok({ name, next: i + 1 });
    else name += c;
  }
  return err(`unterminated quote in "${src}"`);
}

export function parseRecordSelector(src: string): Result<RecordSelector> {
  if (src.length === 0) return err('data_key is empty');
  const steps: SelectorStep[] = [];
  let i = 0;
  if (src[0] === '$' && (src.length === 1 || src[1] === '.' || src[1] === '[')) i = 1;
  // The first segment has no leading dot (unless the root `$` came before it).
  let needDot = i === 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '[') {
      const close = src[i + 1] === "'" || src[i + 1] === '"' ? readQuoted(src, i + 1) : null;
      if (close && !close.ok) return close;
      const end = close ? close.value.next : src.indexOf(']', i);
      if (end < 0 || src[end] !== ']') return err(`"${src}": expected ] at ${end < 0 ? 'the end' : `position ${end + 1}`}`);
      const inner = src.slice(i + 1, end);
      if (close) steps.push({ kind: 'key', name: close.value.name });
      else if (inner === '*') steps.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else return err(`"${src}": [${inner}] must be [*], a list index or a quoted key`);
      i = end + 1;
      needDot = true;
      continue;
    }
    if (needDot) {
      if (c !== '.') return err(`"${src}": expected . or [ at position ${i + 1}`);
      i++;
    }
    needDot = true;
    const s = src[i];
    if (s === "'" || s === '"') {
      const q = readQuoted(src, i);
      if (!q.ok) return q;
      steps.push({ kind: 'key', name: q.value.name });
      i = q.value.next;
      continue;
    }
    let end = i;
    while (end < src.length && src[end] !== '.' && src[end] !== '[') end++;
    const name = src.slice(i, end);
    if (name.length === 0) return err(`"${src}" has an empty segment`);
    if (/\s/.test(name)) return err(`"${src}" contains whitespace (quote a key that has spaces)`);
    steps.push(name === '*' ? { kind: 'all' } : { kind: 'field', name });
    i = end;
  }
  return ok({ steps, many: steps.some((s) => s.kind === 'all') });
}

const own = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function step(value: unknown, s: SelectorStep, out: unknown[]): void {
  if (s.kind === 'all') {
    // Loops, not push(...list): spreading a list of a million records overflows the stack.
    if (Array.isArray(value)) for (const v of value) out.push(v);
    else if (isPlainObject(value)) for (const v of Object.values(value)) out.push(v);
  } else if (s.kind === 'index') {
    if (Array.isArray(value) && s.index < value.length) out.push(value[s.index]);
  } else if (Array.isArray(value)) {
    if (s.kind === 'field' && /^\d+$/.test(s.name) && Number(s.name) < value.length) out.push(value[Number(s.name)]);
  } else if (isPlainObject(value) && own(value, s.name)) {
    out.push(value[s.name]);
  }
}

/** Every value the selector reaches in `doc`, in document order (none when a step is missing). */
export function selectValues(doc: unknown, selector: RecordSelector): unknown[] {
  let cur: unknown[] = [doc];
  for (const s of selector.steps) {
    const next: unknown[] = [];
    for (const v of cur) step(v, s, next);
    cur = next;
  }
  return cur;
}

/**
 * What data_key points at in a body: the body without one, the one value reached, or with `[*]` the list of every
 * value reached. An invalid data_key reads as absent (configs are validated at parse time).
 */
export function selectData(dataKey: string | undefined, body: unknown): unknown {
  if (dataKey === undefined) return body;
  const sel = parseRecordSelector(dataKey);
  if (!sel.ok) return undefined;
  const values = selectValues(body, sel.value);
  return sel.value.many ? values : values[0];
}
