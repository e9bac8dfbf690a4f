/** What a data_schema produces, in order, and the order transformations run in (used by validation and the writers). */
import type { DataSchema, Extraction, ParentSettings, Transformation } from './config';

/** Where a child extraction's copies of its parent's fields go (extraction/parent.ts). */
export const PARENT_COLUMN_PREFIX = '_parent_';

/** The `_parent_` columns a child adds to every record, in config order. */
export const parentColumns = (parent: Pick<ParentSettings, 'include_parent_fields'> | undefined): string[] =>
  (parent?.include_parent_fields ?? []).map((f) => PARENT_COLUMN_PREFIX + f);

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
 * transformations with new_column_prefix add, in the order they run, then a child's `_parent_` columns. Null without a data_schema
 * (the writer then takes columns from the first record).
 */
export function outputColumns(extraction: Pick<Extraction, 'data_schema' | 'transformations'> & { parent?: Extraction['parent'] }): string[] | null {
  if (!extraction.data_schema) return null;
  const cols = schemaColumns(extraction.data_schema);
  for (const t of sortTransformations(extraction.transformations)) {
    if (t.new_column_prefix === undefined) continue;
    for (const c of t.on) {
      const name = t.new_column_prefix + c;
      if (!cols.includes(name)) cols.push(name);
    }
  }
  return [...cols, ...parentColumns(extraction.parent)];
}
