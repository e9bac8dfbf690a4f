/**
 * Parent/child extractions (`parent` on an extraction): the child runs once per record of its parent, in the same
 * config run after the parent's run, each parent record's requests paged in full with the child's own pagination.
 *
 * The parent's run keeps, per record it writes, the values its children need (`parentValues`: the JsonFields of
 * their `fields` and `include_parent_fields`) in the order written; the child's run reads them back in that order.
 * `${parent::name}` reads `fields[name]` of the record the request is for; `include_parent_fields` become the
 * `_parent_<field>` columns of every child record.
 */
import { PARENT_COLUMN_PREFIX, parentColumns, schemaColumns } from './columns';
import type { Config, Extraction, ParentSettings } from './config';
import { getField } from './json-field';
import { parseTemplate, walkStrings } from './references';
import type { JsonObject } from './result';

/** The values a parent run keeps of one record: JsonField -> value (absent fields are null). */
export type ParentValues = Record<string, unknown>;

/** The extractions whose parent is `extraction`. */
export const childrenOf = (config: Pick<Config, 'extractions'>, extraction: Pick<Extraction, 'name'>): Extraction[] =>
  config.extractions.filter((e) => e.parent?.extraction === extraction.name);

/** The JsonFields a parent run keeps of each record: every field its children read. Empty: it keeps nothing. */
export function parentPaths(config: Pick<Config, 'extractions'>, extraction: Pick<Extraction, 'name'>): string[] {
  const paths = new Set<string>();
  for (const child of childrenOf(config, extraction)) {
    for (const p of Object.values(child.parent?.fields ?? {})) paths.add(p);
    for (const p of child.parent?.include_parent_fields ?? []) paths.add(p);
  }
  return [...paths];
}

/** What a parent run keeps of one record. */
export function parentValues(paths: readonly string[], record: unknown): ParentValues {
  const out: ParentValues = {};
  for (const p of paths) out[p] = getField(record, p) ?? null;
  return out;
}

/** The `parent::` references of a child's request for one parent record: name -> value. */
export function parentRefs(parent: ParentSettings, values: ParentValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(parent.fields)) out[name] = values[path] ?? null;
  return out;
}

/** A child's row with the `_parent_` columns added after its own (the parent's value wins a clash). */
export function withParentColumns(parent: ParentSettings, values: ParentValues, row: JsonObject): JsonObject {
  const out: JsonObject = { ...row };
  for (const f of parent.include_parent_fields) out[PARENT_COLUMN_PREFIX + f] = values[f] ?? null;
  return out;
}

type PathSeg = string | number;
export interface ParentIssue {
  path: PathSeg[];
  message: string;
}

/**
 * Checks of `parent` that need the whole config: the parent exists and is another extraction, parents do not form a
 * cycle, every `parent::` reference sits in an endpoint of an extraction with parent and names one of its fields.
 * `raw` is the input as written (references are read from it, as parseConfig does).
 */
export function parentIssues(config: Config, raw: unknown): ParentIssue[] {
  const issues: ParentIssue[] = [];
  const byName = new Map(config.extractions.map((e) => [e.name, e]));
  config.extractions.forEach((ex, i) => {
    const p = ex.parent;
    if (!p) return;
    const at: PathSeg[] = ['extractions', i, 'parent', 'extraction'];
    if (p.extraction === ex.name) issues.push({ path: at, message: 'An extraction cannot be its own parent' });
    else if (!byName.has(p.extraction)) issues.push({ path: at, message: `No extraction named "${p.extraction}" in this config` });
    else {
      // Follow the parents up: a chain that comes back here is a cycle (each extraction has one parent).
      const chain = [ex.name];
      for (let cur = byName.get(p.extraction); cur; cur = cur.parent ? byName.get(cur.parent.extraction) : undefined) {
        if (cur.name === ex.name) {
          issues.push({ path: at, message: `Parents form a cycle: ${[...chain, ex.name].join(' -> ')}` });
          break;
        }
        if (chain.includes(cur.name)) break; // a cycle further up, reported at its own members
        chain.push(cur.name);
      }
    }
    const own = ex.data_schema ? schemaColumns(ex.data_schema) : [];
    for (const c of parentColumns(p).filter((c) => own.includes(c))) {
      issues.push({ path: ['extractions', i, 'parent', 'include_parent_fields'], message: `Column "${c}" is also produced by data_schema` });
    }
    if (ex.incremental) issues.push({ path: ['extractions', i, 'incremental'], message: 'An extraction with parent cannot be incremental (not supported yet)' });
  });
  walkStrings(raw, (s, path) => {
    const t = parseTemplate(s);
    if (!t.ok) return; // reported by parseConfig
    for (const part of t.value) {
      if (part.kind !== 'ref' || part.ref.type !== 'parent') continue;
      const i = path[1];
      const ex = path[0] === 'extractions' && typeof i === 'number' ? config.extractions[i] : undefined;
      if (!ex?.parent || path[2] !== 'endpoint') {
        issues.push({ path, message: `${part.ref.raw}: parent:: references are only valid in the endpoint of an extraction with parent` });
      } else if (!Object.prototype.hasOwnProperty.call(ex.parent.fields, part.ref.ref)) {
        issues.push({ path, message: `${part.ref.raw}: "${part.ref.ref}" is not one of parent.fields (${Object.keys(ex.parent.fields).join(', ')})` });
      }
    }
  });
  return issues;
}

/**
 * The order a config run runs extractions in: config order, except that a child waits until its parent has run.
 * Configs without parents keep their order exactly. Assumes a config without cycles (parseConfig refuses them).
 */
export function runOrder<T extends Pick<Extraction, 'name' | 'parent'>>(extractions: readonly T[]): T[] {
  const out: T[] = [];
  const placed = new Set<string>();
  const names = new Set(extractions.map((e) => e.name));
  const ready = (e: T): boolean => !e.parent || !names.has(e.parent.extraction) || placed.has(e.parent.extraction);
  const left = [...extractions];
  while (left.length) {
    const i = left.findIndex(ready);
    const next = left.splice(i < 0 ? 0 : i, 1)[0]!;
    out.push(next);
    placed.add(next.name);
  }
  return out;
}
