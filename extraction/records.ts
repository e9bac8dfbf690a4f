/**
 * From response bodies to output rows: data_key, data_schema, transformations.
 *
 * data_schema maps api keys to column names; nested objects map through nested schemas to flat columns,
 * exactly as the seed's tables show (`{"user": {"account": {"number": "user_acc_number"}}}` gives the
 * column user_acc_number). A leaf whose value is an object or a list keeps it whole (the CSV writer
 * writes it as JSON text). A nested schema over a list (Zoho's `Tag: [{name, id}]`) gives, per column,
 * the list of the elements' values. Missing values become null, so every row has every column.
 * Without a data_schema a record passes as the API sent it (a non-object item becomes `{ value: item }`).
 */
import { schemaColumns } from './columns';
import type { DataSchema, Extraction } from './config';
import { isBlankBody } from './http';
import { parseRecordSelector, selectValues } from './record-selector';
import { err, isPlainObject, ok, typeName, type JsonObject, type Result } from './result';
import { applyTransformations } from './transforms';

/**
 * The records of a page. A blank body gives none. A missing or null data_key gives none too: APIs such as
 * Google People leave the list out when it is empty. A single object counts as one record. A data_key with `[*]`
 * (record-selector.ts) gathers every value it reaches: a list gives its items, null or absent gives none, anything
 * else is one record.
 */
export function extractRecords(extraction: Pick<Extraction, 'data_key'>, body: unknown): Result<unknown[]> {
  if (isBlankBody(body)) return ok([]);
  const where = extraction.data_key === undefined ? 'the response body' : `data_key "${extraction.data_key}"`;
  const sel = extraction.data_key === undefined ? null : parseRecordSelector(extraction.data_key);
  if (sel && !sel.ok) return err(sel.error);
  if (sel?.value.many) {
    const out: unknown[] = [];
    for (const v of selectValues(body, sel.value)) {
      if (Array.isArray(v)) for (const item of v) out.push(item);
      else if (v !== null) out.push(v);
    }
    return ok(out);
  }
  const data = sel ? selectValues(body, sel.value)[0] : body;
  if (data === undefined || data === null) return ok([]);
  if (Array.isArray(data)) return ok(data);
  if (isPlainObject(data)) return ok([data]);
  return err(`${where} holds ${typeName(data)}, expected a list of records or an object`);
}

/**
 * A data_schema walked once: its entries in order, each a column or a nested plan (with the columns a list under
 * it gives). Mapping a million records then allocates no entry lists.
 */
type Plan = readonly Step[];
type Step = { key: string; column: string } | { key: string; column: null; nested: Plan; columns: readonly string[] };

const plans = new WeakMap<DataSchema, Plan>();

function planOf(schema: DataSchema): Plan {
  let plan = plans.get(schema);
  if (!plan) {
    plan = Object.entries(schema).map(([key, target]): Step =>
      typeof target === 'string' ? { key, column: target } : { key, column: null, nested: planOf(target), columns: schemaColumns(target) },
    );
    plans.set(schema, plan);
  }
  return plan;
}

/** Applies a data_schema to one item: flat columns in schema order. */
export function applySchema(schema: DataSchema, item: unknown): JsonObject {
  const out: JsonObject = {};
  fill(planOf(schema), item, out);
  return out;
}

function fill(plan: Plan, value: unknown, out: JsonObject): void {
  const obj = isPlainObject(value) ? value : null;
  for (const step of plan) {
    const v = obj !== null && Object.hasOwn(obj, step.key) ? obj[step.key] : undefined;
    if (step.column !== null) {
      out[step.column] = v === undefined ? null : v;
    } else if (Array.isArray(v)) {
      const rows = v.map((el) => {
        const row: JsonObject = {};
        fill(step.nested, el, row);
        return row;
      });
      for (const col of step.columns) out[col] = rows.map((r) => r[col]);
    } else {
      fill(step.nested, v, out);
    }
  }
}

/** One raw item to one output row: data_schema (or the item as is), then transformations. */
export function toRow(extraction: Pick<Extraction, 'data_schema' | 'transformations'>, item: unknown): JsonObject {
  const base = extraction.data_schema ? applySchema(extraction.data_schema, item) : isPlainObject(item) ? item : { value: item };
  return applyTransformations(extraction.transformations, base);
}

export const toRows = (extraction: Pick<Extraction, 'data_schema' | 'transformations'>, items: readonly unknown[]): JsonObject[] =>
  items.map((item) => toRow(extraction, item));

