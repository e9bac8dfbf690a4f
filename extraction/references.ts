/**
 * References: dynamic values inside any config string, in both syntaxes the seed uses,
 * `${type::ref, default}` and `$(type::ref, default)`.
 *
 *   self::auth.access_token   a field of the config itself (after the token refresh)
 *   last::Modified_Time       a field of the last raw record of the last successful run
 *   secret::zoho_client_id    a key of the secrets store
 *   record::id                a field of the record being detailed (mapping_fetch only; our addition)
 *   time::today-1d|YYYY/MM/DD the run's start time, shifted and formatted (see time-reference.ts; our addition)
 *   parent::deal_id           a field named in the extraction's parent.fields, of the parent record it runs for (our addition)
 *   incremental::start_value  where an incremental run starts (also end_value; see incremental.ts; our addition)
 *
 * Text is substituted, never evaluated. The default runs to the closing bracket (it may hold `:` and `-`,
 * as in `${last::Modified_Time, 2020-09-03T17:40:53-05:00}`); quote it ("..." or '...') to include the
 * closing bracket or to force a string. `$${` and `$$(` write a literal `${` / `$(`.
 * A missing or null value uses the default; with no default it is an error, never an empty string,
 * so a run does not silently send a blank token.
 */
import { stringifyJson } from './json';
import { getField, parseJsonField } from './json-field';
import { err, ok, type Result } from './result';
import { parseTimeSpec, timeValue } from './time-reference';

export const REFERENCE_TYPES = ['self', 'last', 'secret', 'record', 'time', 'incremental', 'parent'] as const;
const INCREMENTAL_REFS = ['start_value', 'end_value'] as const;
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

export interface Reference {
  type: ReferenceType;
  /** JsonField for self/last/record, key name for secret, a time spec for time. */
  ref: string;
  /** Absent when the reference has no default. */
  default?: string;
  /** True when the default was written in quotes: it is then always a string. */
  defaultQuoted: boolean;
  /** The reference as written, for error messages (it never contains a resolved value). */
  raw: string;
}

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'ref'; ref: Reference };

const isReferenceType = (s: string): s is ReferenceType => (REFERENCE_TYPES as readonly string[]).includes(s);

/** Splits a string into literal text and references. Strings without `${`/`$(` come back as one text part. */
export function parseTemplate(input: string): Result<TemplatePart[]> {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    const open = input[i + 1];
    if (c === '$' && open === '$' && (input[i + 2] === '{' || input[i + 2] === '(')) {
      text += `$${input[i + 2]}`; // escaped: `$${` is a literal `${`
      i += 3;
      continue;
    }
    if (c !== '$' || (open !== '{' && open !== '(')) {
      text += c;
      i += 1;
      continue;
    }
    const closer = open === '{' ? '}' : ')';
    let j = i + 2;
    while (input[j] === ' ') j++;
    const typeMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(j));
    const type = typeMatch?.[0];
    const hasSep = type !== undefined && input.startsWith('::', j + type.length);
    if (type === undefined || !hasSep) {
      // `${foo}` is plain text (shell or template syntax of the target API); `${secret:x}` is a typo.
      if (type !== undefined && isReferenceType(type)) {
        return err(`malformed reference at "${input.slice(i, i + 40)}": expected "${type}::"`);
      }
      text += c;
      i += 1;
      continue;
    }
    if (!isReferenceType(type)) {
      return err(`unknown reference type "${type}" (expected one of ${REFERENCE_TYPES.join(', ')})`);
    }
    j += type.length + 2;
    let refEnd = j;
    while (refEnd < input.length && input[refEnd] !== ',' && input[refEnd] !== closer) refEnd++;
    if (refEnd >= input.length) return err(`unterminated reference "${input.slice(i, i + 40)}"`);
    const ref = input.slice(j, refEnd).trim();
    if (ref.length === 0) return err(`reference "${input.slice(i, refEnd + 1)}" names nothing`);
    if (type === 'secret') {
      if (/\s/.test(ref)) return err(`secret name "${ref}" contains whitespace`);
    } else if (type === 'time') {
      const spec = parseTimeSpec(ref);
      if (!spec.ok) return err(spec.error);
    } else if (type === 'incremental') {
      if (!(INCREMENTAL_REFS as readonly string[]).includes(ref)) return err(`unknown incremental::${ref} (expected ${INCREMENTAL_REFS.join(' or ')})`);
    } else {
      const field = parseJsonField(ref);
      if (!field.ok) return err(`reference ${type}::${ref}: ${field.error}`);
    }
    let k = refEnd;
    let def: string | undefined;
    let defaultQuoted = false;
    if (input[k] === ',') {
      k++;
      while (input[k] === ' ') k++;
      const q = input[k];
      if (q === '"' || q === "'") {
        const quoted = readQuoted(input, k);
        if (!quoted.ok) return err(`reference "${input.slice(i, i + 40)}": ${quoted.error}`);
        def = quoted.value.text;
        defaultQuoted = true;
        k = quoted.value.end;
        while (input[k] === ' ') k++;
        if (input[k] !== closer) return err(`reference "${input.slice(i, k + 1)}": expected "${closer}" after the quoted default`);
      } else {
        const end = input.indexOf(closer, k);
        if (end < 0) return err(`unterminated reference "${input.slice(i, i + 40)}"`);
        def = input.slice(k, end).trim();
        k = end;
      }
    }
    // input[k] is the closer here.
    if (text) parts.push({ kind: 'text', text });
    text = '';
    const reference: Reference = { type, ref, defaultQuoted, raw: input.slice(i, k + 1) };
    if (def !== undefined) reference.default = def;
    parts.push({ kind: 'ref', ref: reference });
    i = k + 1;
  }
  if (text || parts.length === 0) parts.push({ kind: 'text', text });
  return ok(parts);
}

function readQuoted(s: string, start: number): Result<{ text: string; end: number }> {
  const quote = s[start];
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i++;
    } else if (ch === quote) {
      return ok({ text: out, end: i + 1 });
    } else {
      out += ch;
    }
  }
  return err('unterminated quoted default');
}

export const hasReferences = (s: string): boolean => {
  const t = parseTemplate(s);
  return !t.ok || t.value.some((p) => p.kind === 'ref');
};

/** Every reference in every string of `value` (keys are not templates). Lets a caller load just the secrets needed. */
export function collectReferences(value: unknown): Reference[] {
  const found: Reference[] = [];
  walkStrings(value, (s) => {
    const t = parseTemplate(s);
    if (t.ok) for (const p of t.value) if (p.kind === 'ref') found.push(p.ref);
  });
  return found;
}

/** The distinct secret names a value refers to. */
export const secretNames = (value: unknown): string[] =>
  [...new Set(collectReferences(value).filter((r) => r.type === 'secret').map((r) => r.ref))];

/** Calls `visit` with every string value and its JSON path segments. */
export function walkStrings(value: unknown, visit: (s: string, path: (string | number)[]) => void, path: (string | number)[] = []): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, visit, [...path, i]));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) walkStrings(v, visit, [...path, k]);
  }
}

export interface ReferenceContext {
  /** The config itself, with the refreshed access token in it. */
  self?: unknown;
  /** The last raw record of the last successful run; null or absent on a first run. */
  last?: unknown;
  /** Secret values by name, loaded by the caller (see secretNames). */
  secrets?: Readonly<Record<string, string>>;
  /** The record a mapping_fetch request is built for. */
  record?: unknown;
  /** The parent record's values by the names in parent.fields (a child extraction's requests). */
  parent?: Readonly<Record<string, unknown>>;
  /** The run's start time, which time:: references read (the same for every request and attempt of a run). */
  now?: Date;
  /** Where an incremental run starts (incremental:: references). */
  incremental?: { start_value: string | number; end_value: string | number | null };
}

export interface ResolveOptions {
  /** Percent-encode values of these reference types (record/last values placed in a URL path). */
  encode?: readonly ReferenceType[];
}

// self:: values may hold references themselves (`access_token: "${secret::token}"`); bound the chain.
const MAX_SELF_DEPTH = 8;

type Lookup = { found: true; value: unknown } | { found: false };

function lookup(ref: Reference, ctx: ReferenceContext, chain: readonly string[]): Result<Lookup> {
  let value: unknown;
  switch (ref.type) {
    case 'self': {
      if (ctx.self === undefined) return err(`${ref.raw}: no config to read self:: references from`);
      if (chain.includes(ref.ref)) return err(`${ref.raw}: reference cycle through self::${chain.join(' -> self::')}`);
      if (chain.length >= MAX_SELF_DEPTH) return err(`${ref.raw}: self:: references nested too deep`);
      value = getField(ctx.self, ref.ref);
      if (typeof value === 'string') {
        const nested = resolveStringChain(value, ctx, {}, [...chain, ref.ref]);
        if (!nested.ok) return err(nested.error);
        value = nested.value;
      }
      break;
    }
    case 'last':
      value = ctx.last === undefined || ctx.last === null ? undefined : getField(ctx.last, ref.ref);
      break;
    case 'secret':
      value = ctx.secrets && Object.prototype.hasOwnProperty.call(ctx.secrets, ref.ref) ? ctx.secrets[ref.ref] : undefined;
      break;
    case 'record':
      if (ctx.record === undefined) return err(`${ref.raw}: record:: references are only valid in mapping_fetch`);
      value = getField(ctx.record, ref.ref);
      break;
    case 'parent':
      if (ctx.parent === undefined) return err(`${ref.raw}: parent:: references are only valid in an extraction with parent`);
      value = Object.prototype.hasOwnProperty.call(ctx.parent, ref.ref) ? ctx.parent[ref.ref] : undefined;
      break;
    case 'incremental':
      if (ctx.incremental === undefined) return err(`${ref.raw}: incremental:: references need the extraction's incremental settings`);
      value = ref.ref === 'start_value' ? ctx.incremental.start_value : ctx.incremental.end_value;
      break;
    case 'time': {
      if (ctx.now === undefined) return err(`${ref.raw}: time:: references are resolved when a run starts, from its start time`);
      const spec = parseTimeSpec(ref.ref);
      if (!spec.ok) return err(`${ref.raw}: ${spec.error}`);
      value = timeValue(spec.value, ctx.now);
      break;
    }
  }
  return value === undefined || value === null ? ok({ found: false }) : ok({ found: true, value });
}

const describeMissing = (ref: Reference): string => {
  switch (ref.type) {
    case 'secret':
      return `${ref.raw}: secret "${ref.ref}" not found and no default given`;
    case 'parent':
      return `${ref.raw}: the parent record has no "${ref.ref}" (or it is null) and no default given`;
    case 'last':
      return `${ref.raw}: no previous record has "${ref.ref}" (first run?) and no default given`;
    default:
      return `${ref.raw}: "${ref.ref}" is missing or null and no default given`;
  }
};

export const stringifyValue = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'object' && v !== null ? stringifyJson(v) : String(v);

function resolveStringChain(input: string, ctx: ReferenceContext, opts: ResolveOptions, chain: readonly string[]): Result<string> {
  const t = parseTemplate(input);
  if (!t.ok) return err(t.error);
  let out = '';
  for (const part of t.value) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const { ref } = part;
    const found = lookup(ref, ctx, chain);
    if (!found.ok) return err(found.error);
    let s: string;
    if (found.value.found) s = stringifyValue(found.value.value);
    else if (ref.default !== undefined) s = ref.default;
    else return err(describeMissing(ref));
    out += opts.encode?.includes(ref.type) ? encodeURIComponent(s) : s;
  }
  return ok(out);
}

/** Substitutes every reference in `input`; the result is always a string. */
export const resolveString = (input: string, ctx: ReferenceContext, opts: ResolveOptions = {}): Result<string> =>
  resolveStringChain(input, ctx, opts, []);

/**
 * Resolves every string inside `value` (objects and arrays are copied, keys kept as they are).
 * With `typed`, a string that is exactly one reference takes the referenced value's JSON type, and an
 * unquoted default that is a JSON literal (`1`, `true`) is parsed: `{"since": "$(last::id, 1)"}` sends a number.
 * Used for request bodies; query strings and headers are text anyway.
 */
export function resolveValue(value: unknown, ctx: ReferenceContext, opts: ResolveOptions & { typed?: boolean } = {}): Result<unknown> {
  if (typeof value === 'string') {
    if (opts.typed) {
      const t = parseTemplate(value);
      if (!t.ok) return err(t.error);
      const only = t.value.length === 1 ? t.value[0] : undefined;
      if (only?.kind === 'ref') {
        const found = lookup(only.ref, ctx, []);
        if (!found.ok) return err(found.error);
        if (found.value.found) return ok(found.value.value);
        if (only.ref.default === undefined) return err(describeMissing(only.ref));
        return ok(only.ref.defaultQuoted ? only.ref.default : parseLiteral(only.ref.default));
      }
    }
    return resolveString(value, ctx, opts);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = resolveValue(item, ctx, opts);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveValue(v, ctx, opts);
      if (!r.ok) return err(`${k}: ${r.error}`);
      out[k] = r.value;
    }
    return ok(out);
  }
  return ok(value);
}

function parseLiteral(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
