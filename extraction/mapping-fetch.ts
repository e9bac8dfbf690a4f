/**
 * mapping_fetch: one detail request per listed record, its answer passed through mapping_fetch.data_schema
 * and merged, with `prefix` in front of every column name, into the original (raw) record. The extraction's
 * own data_schema then applies to the merged record, so it must name the prefixed columns it wants to keep
 * (without a data_schema they all pass). This reads the seed literally: "anexado ... al json original del item".
 * How many detail requests run at once is the caller's choice.
 */
import type { Extraction, MappingFetch } from './config';
import { baseRequest, isBlankBody, resolveEndpoint, type HttpRequest } from './http';
import { getField } from './json-field';
import type { ReferenceContext } from './references';
import { applySchema } from './records';
import { err, isPlainObject, ok, typeName, type JsonObject, type Result } from './result';

/** The detail request for one raw record; `${record::id}` and friends read that record. */
export function detailRequest(mapping: MappingFetch, record: unknown, ctx: ReferenceContext): Result<HttpRequest> {
  const base = resolveEndpoint(mapping.endpoint, { ...ctx, record });
  return base.ok ? ok(baseRequest(base.value)) : err(`mapping_fetch.${base.error}`);
}

/**
 * Merges one detail answer into its record. The detail object is the body (or the value at data_key);
 * a list gives its first element, as detail endpoints wrap one object in a list (Zoho: `data: [{...}]`).
 * A blank answer adds the prefixed columns as null. Detail values win over raw keys of the same name.
 */
export function mergeDetail(mapping: MappingFetch, record: unknown, detailBody: unknown): Result<JsonObject> {
  let detail: unknown = isBlankBody(detailBody) ? null : mapping.data_key === undefined ? detailBody : getField(detailBody, mapping.data_key);
  if (Array.isArray(detail)) detail = detail.length ? detail[0] : null;
  if (detail === undefined) detail = null;
  if (detail !== null && !isPlainObject(detail)) {
    return err(`mapping_fetch: the detail ${mapping.data_key === undefined ? 'body' : `at "${mapping.data_key}"`} is ${typeName(detail)}, expected an object`);
  }
  const mapped: JsonObject = mapping.data_schema ? applySchema(mapping.data_schema, detail) : (detail ?? {});
  const out: JsonObject = isPlainObject(record) ? { ...record } : { value: record };
  for (const [k, v] of Object.entries(mapped)) out[mapping.prefix + k] = v;
  return ok(out);
}

export const hasMappingFetch = (extraction: Pick<Extraction, 'mapping_fetch'>): boolean => extraction.mapping_fetch !== undefined;
