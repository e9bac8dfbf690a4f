/**
 * The extractor config: the seed's JSON format as a zod schema, plus our additions (all optional):
 * ids assigned by the store, `endpoint.method`, `endpoint.body_format`, the pagination styles link_header / cursor / offset,
 * `pagination.max_pages`, `stop_when_records_fewer_than`, `mapping_fetch.data_key`, `s3_destiny.filename`
 * (used by the seed's tickets example), `record::` references inside mapping_fetch and `parent` with `parent::` references.
 *
 * Parsing with the whole-config checks is parseConfig (extraction/parse-config.ts); the columns a data_schema
 * produces are in extraction/columns.ts.
 */
import { z } from 'zod';
import { parseMorePages } from './condition';
import { parseJsonField } from './json-field';
import { parseTemplate } from './references';
import { incrementalSchema } from './incremental';
import { recordFilterSchema } from './record-filter';
import { parseRecordSelector } from './record-selector';
import { COMPRESSIONS } from './compression';
import { responseActionsSchema } from './response-actions';
import { isPlainObject } from './result';

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const nonEmpty = z.string().min(1, 'Must not be empty');
// Header names are HTTP tokens and values single lines: a CR or LF would split the request (header injection).
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'Expected an HTTP header name: letters, digits and !#$%&\'*+.^_`|~- only (no spaces, no line breaks)');
const headerValue = z.string().refine((v) => !/[\r\n\0]/.test(v), 'A header value cannot contain a line break or a NUL character');

/** The seed's JsonField: a dot path into a JSON document. */
export const jsonFieldSchema = z.string().superRefine((s, ctx) => {
  const r = parseJsonField(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

/** An extraction's data_key: a JsonField, or the selector syntax of record-selector.ts. */
const recordSelectorSchema = z.string().superRefine((s, ctx) => {
  const r = parseRecordSelector(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

const morePagesSchema = z.string().superRefine((s, ctx) => {
  const r = parseMorePages(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const BODY_FORMATS = ['json', 'form'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

const isFormScalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v);
/** A value a form field can carry: a scalar, null (left out), or a list of them (the field repeated). */
export const isFormValue = (v: unknown): boolean => isFormScalar(v) || (Array.isArray(v) && v.every(isFormScalar));
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A real endpoint: url is required; query_params, headers and body are optional. */
export const endpointSchema = z
  .object({
    url: nonEmpty,
    /** Ours. Default: GET for extractions (POST when a body is given), POST for the token refresh. */
    method: z.enum(HTTP_METHODS).optional(),
    /** null leaves the parameter out; an array repeats it (`ids=1&ids=2`). */
    query_params: z.record(z.string(), z.union([scalar, z.null(), z.array(scalar)])).optional(),
    headers: z.record(headerName, z.union([headerValue, z.number(), z.boolean()])).optional(),
    /** Any JSON, sent JSON-encoded; with body_format "form", an object of fields sent form-encoded. */
    body: z.unknown().optional(),
    /** Ours. "form": application/x-www-form-urlencoded, as OAuth token endpoints take it (RFC 6749 4.1.3). */
    body_format: z.enum(BODY_FORMATS).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.body_format === 'form' && e.body !== undefined) {
      if (!isPlainObject(e.body)) ctx.addIssue({ code: 'custom', path: ['body'], message: 'A form body must be an object of fields (body_format "form")' });
      else {
        for (const [name, v] of Object.entries(e.body)) {
          if (!isFormValue(v)) ctx.addIssue({ code: 'custom', path: ['body', name], message: 'A form field must be text, a number, a boolean, null or a list of those' });
        }
      }
    }
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


export const authSchema = z
  .object({
    /** Ours: an API key sent with every request of every extraction (not the token request), usually `${secret::...}`. */
    api_key: z
      .object({
        /** The header's or the query param's name. */
        name: nonEmpty,
        value: headerValue.pipe(nonEmpty),
        in: z.enum(['header', 'query']).default('header'),
      })
      .superRefine((k, ctx) => {
        const name = headerName.safeParse(k.name);
        if (k.in === 'header' && !name.success) ctx.addIssue({ code: 'custom', path: ['name'], message: name.error.issues[0]!.message });
      })
      .optional(),
    /** Ours: HTTP basic auth (RFC 7617) on every request of every extraction; values usually `${secret::...}`. */
    basic: z.object({ username: headerValue, password: headerValue }).optional(),
    /**
     * Ours: the OAuth 2.0 client credentials grant (RFC 6749 4.4): the token is requested like a refresh (shared,
     * renewed on a 401 or near expiry) and sent as `Authorization: Bearer` unless an endpoint sets Authorization.
     */
    client_credentials: z
      .object({
        token_url: nonEmpty,
        client_id: nonEmpty,
        client_secret: nonEmpty,
        scope: z.string().optional(),
        audience: z.string().optional(),
        /** Where the client authenticates: form fields (most providers) or an HTTP basic header (RFC 6749 2.3.1). */
        credentials_in: z.enum(['body', 'basic']).default('body'),
        response_token_key: jsonFieldSchema.default('access_token'),
      })
      .optional(),
    refresh_token: z
      .object({
        endpoint: endpointSchema,
        /** JsonField of the token in the refresh response. */
        response_token_key: jsonFieldSchema,
      })
      .optional(),
    /** Static token, or the slot the refreshed token is written to (read back with `self::auth.access_token`). */
    access_token: z.string().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.api_key && a.basic) ctx.addIssue({ code: 'custom', message: 'auth.api_key and auth.basic cannot both be set: choose one' });
    if (a.client_credentials && (a.basic || a.refresh_token)) {
      ctx.addIssue({ code: 'custom', message: `auth.client_credentials and auth.${a.basic ? 'basic' : 'refresh_token'} cannot both be set: choose one` });
    }
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

export const OUTPUT_FORMATS = ['csv', 'json', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const mappingFetchSchema = z.object({
  /** References to the listed record go as `${record::field}`. */
  endpoint: endpointSchema,
  prefix: z.string().default(''),
  data_schema: dataSchemaSchema.optional(),
  /** Ours: JsonField of the detail object in the response (Zoho wraps it as `data[0]`). */
  data_key: jsonFieldSchema.optional(),
  /** Ours: what to do with a detail answer by status and body text (response-actions.ts). */
  response_actions: responseActionsSchema,
});
export type MappingFetch = z.infer<typeof mappingFetchSchema>;

/** A name `${parent::name}` references: letters, digits and _, so it is never read as a path. */
const parentFieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Expected a name of letters, digits and _ (not starting with a digit)');

/**
 * Ours: the extraction runs once per record of another extraction of the config (its parent), in the same config
 * run after it. `fields` name values of the parent's records (JsonFields) that `${parent::name}` reads in this
 * extraction's endpoint; `include_parent_fields` are copied into every record as `_parent_<field>` columns.
 */
export const parentSchema = z.object({
  /** The name of the parent extraction. */
  extraction: nonEmpty,
  fields: z.record(parentFieldName, jsonFieldSchema).refine((f) => Object.keys(f).length > 0, 'Name at least one field'),
  include_parent_fields: z.array(jsonFieldSchema).default([]),
});
export type ParentSettings = z.infer<typeof parentSchema>;

export const extractionSchema = z.object({
  /** Assigned by the config store; runs and logs refer to it. */
  id: nonEmpty.optional(),
  name: nonEmpty,
  endpoint: endpointSchema,
  /** JsonField of the records in the body, or a selector (`data[*].items`, `$['odata.value']`: record-selector.ts); the body itself when absent. */
  data_key: recordSelectorSchema.optional(),
  /** Ours: what to do with a page's answer by status and body text (response-actions.ts). */
  response_actions: responseActionsSchema,
  /** Ours: an incremental cursor over a field of the records (incremental.ts). */
  incremental: incrementalSchema.optional(),
  /** Ours: the records to keep, ConditionExpressions over the raw record (record-filter.ts). */
  filter: recordFilterSchema.optional(),
  /** jsonl (ours): JSON Lines, one record per line. */
  format: z.enum(OUTPUT_FORMATS).default('csv'),
  /** Ours: "gzip" writes the file gzip-compressed, its key ending .gz (compression.ts). Also accepted in s3_destiny. */
  compression: z.enum(COMPRESSIONS).optional(),
  output_params: z.object({ csv_separator: csvSeparator.default(',') }).default({ csv_separator: ',' }),
  transformations: z.array(transformationSchema).default([]),
  /** Absent: a single request. */
  pagination: paginationSchema.optional(),
  data_schema: dataSchemaSchema.optional(),
  mapping_fetch: mappingFetchSchema.optional(),
  /** Ours: iterate over another extraction's records (extraction/parent.ts). */
  parent: parentSchema.optional(),
  s3_destiny: z
    .object({
      /** Default: the caller's setting (S3_DEFAULT_BUCKET, api-extractor-output-prod). */
      bucket: nonEmpty.optional(),
      /** Default: no folder. */
      folder: z.string().optional(),
      /** Default: `<config>_<extraction>_<run start time>`; the extension follows `format`. */
      filename: nonEmpty.optional(),
      /** Ours: the same as the extraction's `compression`. */
      compression: z.enum(COMPRESSIONS).optional(),
    })
    .optional(),
}).superRefine((e, ctx) => {
  const a = e.compression;
  const b = e.s3_destiny?.compression;
  if (a !== undefined && b !== undefined && a !== b) {
    ctx.addIssue({ code: 'custom', path: ['compression'], message: `compression "${a}" and s3_destiny.compression "${b}" differ: set one of them` });
  }
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
