/**
 * The extractor config: the seed's JSON format as a zod schema, plus our additions (all optional):
 * ids assigned by the store, `endpoint.method`, the pagination styles link_header / cursor / offset,
 * `pagination.max_pages`, `stop_when_records_fewer_than`, `mapping_fetch.data_key`, `s3_destiny.filename`
 * (used by the seed's tickets example) and `record::` references inside mapping_fetch.
 *
 * parseConfig never throws: errors name the JSON path (`extractions[0].pagination.parameters.step`).
 * Unknown fields load (the seed's examples must load unchanged) and come back as warnings.
 */
import { z } from 'zod';
import { parseMorePages } from './condition';
import { getField, parseJsonField } from './json-field';
import { parseTemplate, walkStrings } from './references';
import { isPlainObject, typeName } from './result';

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const nonEmpty = z.string().min(1, 'Must not be empty');

/** The seed's JsonField: a dot path into a JSON document. */
export const jsonFieldSchema = z.string().superRefine((s, ctx) => {
  const r = parseJsonField(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

const morePagesSchema = z.string().superRefine((s, ctx) => {
  const r = parseMorePages(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A real endpoint: url is required; query_params, headers and body are optional. */
export const endpointSchema = z
  .object({
    url: nonEmpty,
    /** Ours. Default: GET for extractions (POST when a body is given), POST for the token refresh. */
    method: z.enum(HTTP_METHODS).optional(),
    /** null leaves the parameter out; an array repeats it (`ids=1&ids=2`). */
    query_params: z.record(z.string(), z.union([scalar, z.null(), z.array(scalar)])).optional(),
    // Names are HTTP tokens and values single lines: a CR or LF would split the request (header injection).
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'Expected an HTTP header name: letters, digits and !#$%&\'*+.^_`|~- only (no spaces, no line breaks)'),
        z.union([z.string().refine((v) => !/[\r\n\0]/.test(v), 'A header value cannot contain a line break or a NUL character'), z.number(), z.boolean()]),
      )
      .optional(),
    /** Any JSON, sent JSON-encoded. */
    body: z.unknown().optional(),
  })
  .superRefine((e, ctx) => {
    // A url that starts with a reference (`${secret::base_url}/v1`) can only be checked once resolved.
    const t = parseTemplate(e.url);
    if (t.ok && t.value.every((p) => p.kind === 'text')) {
      let u: URL | null;
      try {
        u = new URL(e.url);
      } catch {
        u = null;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: `Expected an absolute http(s) URL` });
      }
    }
  });
export type Endpoint = z.infer<typeof endpointSchema>;

/** data_schema: api key -> column name, or api key -> nested schema for nested objects. */
export type DataSchema = { [key: string]: string | DataSchema };
export const dataSchemaSchema: z.ZodType<DataSchema> = z.lazy(() =>
  z.record(
    z.string(),
    z.union([nonEmpty, dataSchemaSchema], { error: 'Expected a column name (string) or a nested schema (object)' }),
  ),
);

// ---------------------------------------------------------------------------------------------------------
// Auth

export const authSchema = z.object({
  refresh_token: z
    .object({
      endpoint: endpointSchema,
      /** JsonField of the token in the refresh response. */
      response_token_key: jsonFieldSchema,
    })
    .optional(),
  /** Static token, or the slot the refreshed token is written to (read back with `self::auth.access_token`). */
  access_token: z.string().optional(),
});
export type Auth = z.infer<typeof authSchema>;

// ---------------------------------------------------------------------------------------------------------
// Pagination: one schema per style; the engine for each lives in pagination/<style>.ts.

export const sequentialParamsSchema = z
  .object({
    param_name: nonEmpty,
    start_from: z.number().int().default(1),
    step: z.number().int().positive().default(1),
    /** JsonField (boolean) or ConditionExpression, true while there are more pages. */
    there_are_more_pages: morePagesSchema.optional(),
    continue_while_status_code_is: z.number().int().min(100).max(599).optional(),
    stop_when_response_body_is_empty: z.boolean().optional(),
    /** Ours: stop on a page with fewer records than this. Short pages never stop a run unless this is set. */
    stop_when_records_fewer_than: z.number().int().positive().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.continue_while_status_code_is !== undefined && p.stop_when_response_body_is_empty !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'continue_while_status_code_is and stop_when_response_body_is_empty cannot both be set: choose one',
      });
    }
    const stops =
      p.there_are_more_pages !== undefined ||
      p.continue_while_status_code_is !== undefined ||
      p.stop_when_response_body_is_empty === true ||
      p.stop_when_records_fewer_than !== undefined;
    if (!stops) {
      ctx.addIssue({
        code: 'custom',
        message:
          'No stop rule: set there_are_more_pages, continue_while_status_code_is, stop_when_response_body_is_empty or stop_when_records_fewer_than',
      });
    }
  });
export type SequentialParams = z.infer<typeof sequentialParamsSchema>;

export const linkParamsSchema = z.object({
  /** JsonField of the next page's URL in the body; the run ends when it is missing, null or empty. */
  next_link: jsonFieldSchema,
});
export type LinkParams = z.infer<typeof linkParamsSchema>;

export const linkHeaderParamsSchema = z.object({
  /** The RFC 8288 relation to follow. */
  rel: nonEmpty.default('next'),
});
export type LinkHeaderParams = z.infer<typeof linkHeaderParamsSchema>;

export const cursorParamsSchema = z
  .object({
    /** Where the next request carries the cursor: a query parameter, header, or a JsonField in the body. */
    param_name: nonEmpty,
    send_as: z.enum(['query', 'header', 'body']).default('query'),
    /** JsonField of the cursor in the response body ... */
    cursor_key: jsonFieldSchema.optional(),
    /** ... or the response header that carries it (Zoho Creator's record_cursor). */
    cursor_header: nonEmpty.optional(),
    there_are_more_pages: morePagesSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.cursor_key === undefined) === (p.cursor_header === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'Set exactly one of cursor_key and cursor_header' });
    }
    if (p.send_as === 'body' && !parseJsonField(p.param_name).ok) {
      ctx.addIssue({ code: 'custom', path: ['param_name'], message: 'Expected a JsonField when send_as is body' });
    }
  });
export type CursorParams = z.infer<typeof cursorParamsSchema>;

export const offsetParamsSchema = z.object({
  offset_param: nonEmpty.default('offset'),
  limit_param: nonEmpty.default('limit'),
  limit: z.number().int().positive(),
  start_from: z.number().int().min(0).default(0),
  /** JsonField of the total number of records; the run ends once offsets cover it. */
  total: jsonFieldSchema,
});
export type OffsetParams = z.infer<typeof offsetParamsSchema>;

/** A guard, not a stop rule: reaching it fails the run rather than silently truncating it. */
export const DEFAULT_MAX_PAGES = 10_000;
const maxPages = z.number().int().positive().optional();

export const paginationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sequential'), parameters: sequentialParamsSchema, max_pages: maxPages }),
  z.object({ type: z.literal('link'), parameters: linkParamsSchema, max_pages: maxPages }),
  z.object({ type: z.literal('link_header'), parameters: linkHeaderParamsSchema.default({ rel: 'next' }), max_pages: maxPages }),
  z.object({ type: z.literal('cursor'), parameters: cursorParamsSchema, max_pages: maxPages }),
  z.object({ type: z.literal('offset'), parameters: offsetParamsSchema, max_pages: maxPages }),
]);
export type Pagination = z.infer<typeof paginationSchema>;
export type PaginationType = Pagination['type'];

// ---------------------------------------------------------------------------------------------------------
// Transformations

const transformBase = {
  /** Higher runs first; ties keep config order. */
  priority: z.number().default(0),
  on: z.array(nonEmpty).min(1, 'List at least one column'),
  /** When set, the result goes to a new column `prefix + column` and the source column is kept. */
  new_column_prefix: nonEmpty.optional(),
};
const noParams = z.object({}).optional();

export const transformationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('replace'), ...transformBase, params: z.object({ to_replace: nonEmpty, value: z.string() }) }),
  z.object({ action: z.literal('trim'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('ltrim'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('rtrim'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('lower'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('upper'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('title'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('capitalize'), ...transformBase, params: noParams }),
  z.object({ action: z.literal('split'), ...transformBase, params: z.object({ char: nonEmpty }) }),
  z.object({ action: z.literal('join'), ...transformBase, params: z.object({ sep: z.string() }) }),
  z.object({
    action: z.literal('slice'),
    ...transformBase,
    // Python slice bounds: either may be omitted or null, negatives count from the end.
    params: z.object({ start: z.number().int().nullable().optional(), stop: z.number().int().nullable().optional() }).default({}),
  }),
]);
export type Transformation = z.infer<typeof transformationSchema>;
export type TransformAction = Transformation['action'];

// ---------------------------------------------------------------------------------------------------------
// Extraction and config

const csvSeparator = z.string().refine((s) => [...s].length === 1 && !/["\r\n]/.test(s), {
  message: 'Expected a single character other than a quote or a line break',
});

export const mappingFetchSchema = z.object({
  /** References to the listed record go as `${record::field}`. */
  endpoint: endpointSchema,
  prefix: z.string().default(''),
  data_schema: dataSchemaSchema.optional(),
  /** Ours: JsonField of the detail object in the response (Zoho wraps it as `data[0]`). */
  data_key: jsonFieldSchema.optional(),
});
export type MappingFetch = z.infer<typeof mappingFetchSchema>;

export const extractionSchema = z.object({
  /** Assigned by the config store; runs and logs refer to it. */
  id: nonEmpty.optional(),
  name: nonEmpty,
  endpoint: endpointSchema,
  /** JsonField of the records in the body; the body itself when absent. */
  data_key: jsonFieldSchema.optional(),
  format: z.enum(['csv', 'json']).default('csv'),
  output_params: z.object({ csv_separator: csvSeparator.default(',') }).default({ csv_separator: ',' }),
  transformations: z.array(transformationSchema).default([]),
  /** Absent: a single request. */
  pagination: paginationSchema.optional(),
  data_schema: dataSchemaSchema.optional(),
  mapping_fetch: mappingFetchSchema.optional(),
  s3_destiny: z
    .object({
      /** Default: the caller's setting (S3_DEFAULT_BUCKET, api-extractor-output-prod). */
      bucket: nonEmpty.optional(),
      /** Default: no folder. */
      folder: z.string().optional(),
      /** Default: `<config>_<extraction>_<run start time>`; the extension follows `format`. */
      filename: nonEmpty.optional(),
    })
    .optional(),
});
export type Extraction = z.infer<typeof extractionSchema>;

export const configSchema = z.object({
  /** Assigned by the config store. */
  id: nonEmpty.optional(),
  name: nonEmpty,
  auth: authSchema.optional(),
  extractions: z.array(extractionSchema).min(1, 'List at least one extraction'),
});
export type Config = z.infer<typeof configSchema>;
/** What a config looks like before defaults are applied (what users and the API write). */
export type ConfigInput = z.input<typeof configSchema>;

// ---------------------------------------------------------------------------------------------------------
// Columns (also used by the writers): what a data_schema produces, in order.

/** Column names of a data_schema, depth first in the order the keys were written. */
export function schemaColumns(schema: DataSchema): string[] {
  const out: string[] = [];
  for (const target of Object.values(schema)) {
    if (typeof target === 'string') out.push(target);
    else out.push(...schemaColumns(target));
  }
  return out;
}

/** Transformations in the order they run: priority high first, config order on ties. */
export function sortTransformations(ts: readonly Transformation[]): Transformation[] {
  return ts
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.priority - a.t.priority || a.i - b.i)
    .map((x) => x.t);
}

/**
 * The output columns of an extraction when it has a data_schema: schema columns, then the columns that
 * transformations with new_column_prefix add, in the order they run. Null without a data_schema
 * (the writer then takes columns from the first record).
 */
export function outputColumns(extraction: Pick<Extraction, 'data_schema' | 'transformations'>): string[] | null {
  if (!extraction.data_schema) return null;
  const cols = schemaColumns(extraction.data_schema);
  for (const t of sortTransformations(extraction.transformations)) {
    if (t.new_column_prefix === undefined) continue;
    for (const c of t.on) {
      const name = t.new_column_prefix + c;
      if (!cols.includes(name)) cols.push(name);
    }
  }
  return cols;
}

// ---------------------------------------------------------------------------------------------------------
// parseConfig

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
      if (r.type === 'self' && r.default === undefined) {
        // The refreshed token is written to auth.access_token at run time, so it may be absent in the file.
        const tokenSlot = r.ref === 'auth.access_token' && config.auth !== undefined;
        if (!tokenSlot && getField(raw, r.ref) === undefined) add(path, `${r.raw}: "${r.ref}" does not exist in this config`);
      }
    }
  });

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
