/**
 * parseConfig: a config as the seed writes it, validated against the schema (extraction/config.ts) and the checks
 * that need the whole config. It never throws: errors name the JSON path (`extractions[0].pagination.parameters.step`),
 * and unknown fields load (the seed's examples must load unchanged) and come back as warnings.
 */
import type { z } from 'zod';
import { schemaColumns, sortTransformations } from './columns';
import { configSchema, type Config, type Extraction } from './config';
import { getField } from './json-field';
import { parentIssues } from './parent';
import { parseTemplate, walkStrings } from './references';
import { isPlainObject, typeName } from './result';

export interface ConfigIssue {
  path: string;
  message: string;
}

export type ParseConfigResult =
  | { ok: true; config: Config; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[] };

type PathSeg = PropertyKey;

/** `extractions[0].endpoint.headers["If-Modified-Since"]`; '' for the root. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** One line per issue, for CLI and API answers. */
export const formatIssues = (issues: readonly ConfigIssue[]): string =>
  issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('\n');

const valueAt = (root: unknown, path: readonly PathSeg[]): unknown => {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur) && typeof seg === 'string') cur = cur[seg];
    else return undefined;
  }
  return cur;
};

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const got = valueAt(input, issue.path);
      return got === undefined ? `Required (expected ${issue.expected})` : `Expected ${issue.expected}, received ${typeName(got)}`;
    }
    case 'invalid_value': {
      const got = valueAt(input, issue.path);
      const list = issue.values.map((v) => JSON.stringify(v)).join(' | ');
      return got === undefined ? `Required (expected one of ${list})` : `Expected one of ${list}, received ${JSON.stringify(got)}`;
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined && 'options' in issue && issue.options) {
        const got = valueAt(input, issue.path);
        const list = issue.options.map((o) => JSON.stringify(o)).join(' | ');
        return got === undefined ? `Required (expected one of ${list})` : `Expected one of ${list}, received ${JSON.stringify(got)}`;
      }
      if (issue.message !== 'Invalid input') return issue.message; // a schema's own wording
      // A plain union of types: list what each branch expected.
      const expected = issue.errors.flatMap((branch) => branch.filter((b) => b.code === 'invalid_type' && b.path.length === 0).map((b) => (b.code === 'invalid_type' ? b.expected : '')));
      if (expected.length === issue.errors.length && expected.length > 0) {
        return `Expected ${[...new Set(expected)].join(' | ')}, received ${typeName(valueAt(input, issue.path))}`;
      }
      return issue.message;
    }
    default:
      return issue.message;
  }
}

/** The seed's refresh example writes auth.endpoint / auth.response_token_key without the refresh_token level. */
function normaliseInput(input: unknown): { value: unknown; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  if (!isPlainObject(input) || !isPlainObject(input.auth)) return { value: input, errors: [], warnings: [] };
  const { endpoint, response_token_key, ...rest } = input.auth;
  if (endpoint === undefined && response_token_key === undefined) return { value: input, errors: [], warnings: [] };
  if (rest.refresh_token !== undefined) {
    return {
      value: input,
      errors: [{ path: 'auth', message: 'Use auth.refresh_token, or the short form auth.endpoint + auth.response_token_key, not both' }],
      warnings: [],
    };
  }
  return {
    value: { ...input, auth: { ...rest, refresh_token: { endpoint, response_token_key } } },
    errors: [],
    warnings: [{ path: 'auth', message: 'auth.endpoint / auth.response_token_key read as auth.refresh_token (short form)' }],
  };
}

/** Keys of the input that the schema dropped: unknown fields, reported but harmless. */
function unknownKeys(input: unknown, output: unknown, path: PathSeg[], out: ConfigIssue[]): void {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((v, i) => unknownKeys(v, output[i], [...path, i], out));
  } else if (isPlainObject(input) && isPlainObject(output)) {
    for (const [k, v] of Object.entries(input)) {
      if (!(k in output)) out.push({ path: formatPath([...path, k]), message: 'Unknown field, ignored' });
      else unknownKeys(v, output[k], [...path, k], out);
    }
  }
}

/** Checks that need the whole config: references, columns, unique names. */
function crossChecks(config: Config, raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: PathSeg[], message: string) => issues.push({ path: formatPath(path), message });

  // References: every string must parse; record:: only inside mapping_fetch; self:: must point somewhere.
  walkStrings(raw, (s, path) => {
    const t = parseTemplate(s);
    if (!t.ok) return add(path, t.error);
    const inMappingFetch = path[0] === 'extractions' && path[2] === 'mapping_fetch';
    for (const part of t.value) {
      if (part.kind !== 'ref') continue;
      const r = part.ref;
      if (r.type === 'record' && !inMappingFetch) add(path, `${r.raw}: record:: references are only valid inside mapping_fetch`);
      if (r.type === 'incremental' && !(path[0] === 'extractions' && typeof path[1] === 'number' && config.extractions[path[1]]?.incremental)) {
        add(path, `${r.raw}: incremental:: references need the extraction's incremental settings`);
      }
      if (r.type === 'self' && r.default === undefined) {
        // The refreshed token is written to auth.access_token at run time, so it may be absent in the file.
        const tokenSlot = r.ref === 'auth.access_token' && config.auth !== undefined;
        if (!tokenSlot && getField(raw, r.ref) === undefined) add(path, `${r.raw}: "${r.ref}" does not exist in this config`);
      }
    }
  });

  for (const p of parentIssues(config, raw)) add(p.path, p.message);

  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  config.extractions.forEach((ex, i) => {
    const base: PathSeg[] = ['extractions', i];
    if (names.has(ex.name)) add([...base, 'name'], `Duplicate extraction name "${ex.name}" (also extractions[${names.get(ex.name)}])`);
    else names.set(ex.name, i);
    if (ex.id !== undefined) {
      if (ids.has(ex.id)) add([...base, 'id'], `Duplicate extraction id "${ex.id}"`);
      else ids.set(ex.id, i);
    }
    for (const [key, schema] of [
      ['data_schema', ex.data_schema],
      ['mapping_fetch', ex.mapping_fetch?.data_schema],
    ] as const) {
      if (!schema) continue;
      const path = key === 'data_schema' ? [...base, 'data_schema'] : [...base, 'mapping_fetch', 'data_schema'];
      const cols = schemaColumns(schema);
      if (cols.length === 0) add(path, 'Selects no columns');
      const seen = new Set<string>();
      for (const c of cols) {
        if (seen.has(c)) add(path, `Column "${c}" is produced twice`);
        seen.add(c);
      }
    }
    // Transformation columns can only be checked when the columns are known up front.
    if (ex.data_schema) {
      const known = new Set(schemaColumns(ex.data_schema));
      const order = sortTransformations(ex.transformations);
      for (const t of order) {
        const idx = ex.transformations.indexOf(t);
        for (const c of t.on) {
          if (!known.has(c)) add([...base, 'transformations', idx, 'on'], `Column "${c}" is not produced by data_schema or an earlier transformation`);
        }
        if (t.new_column_prefix !== undefined) {
          for (const c of t.on) {
            const name = t.new_column_prefix + c;
            if (known.has(name)) add([...base, 'transformations', idx, 'new_column_prefix'], `New column "${name}" already exists`);
            known.add(name);
          }
        }
      }
    }
  });
  return issues;
}

export function parseConfig(input: unknown): ParseConfigResult {
  const norm = normaliseInput(input);
  if (norm.errors.length) return { ok: false, errors: norm.errors };
  const parsed = configSchema.safeParse(norm.value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((iss) => ({ path: formatPath(iss.path), message: issueMessage(iss, norm.value) })),
    };
  }
  const errors = crossChecks(parsed.data, norm.value);
  if (errors.length) return { ok: false, errors };
  const warnings = [...norm.warnings];
  unknownKeys(norm.value, parsed.data, [], warnings);
  return { ok: true, config: parsed.data, warnings };
}

/** The extraction with this id, or with this name when ids are not assigned yet. */
export const findExtraction = (config: Config, idOrName: string): Extraction | undefined =>
  config.extractions.find((e) => e.id === idOrName) ?? config.extractions.find((e) => e.name === idOrName);
