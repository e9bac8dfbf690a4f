/**
 * `filter`: which records of a page are kept, as one ConditionExpression or a list of them (all must hold), over the
 * fields of the raw record as the API sent it: `"status != 'deleted'"`, `["amount > 0", "owner.id == 42"]`.
 * Parsed as data by condition.ts, never evaluated as code. It runs before mapping_fetch (a dropped record costs no
 * detail request), data_schema and transformations.
 *
 * A field the record lacks reads as null, so `status != 'deleted'` keeps a record without a status. A comparison that
 * cannot be made (ordering null, or a string against a number) fails the run rather than keep or drop the record
 * silently: the filter and the data disagree, and an operator must decide.
 */
import { z } from 'zod';
import { evaluateCondition, parseCondition, type Condition } from './condition';
import { err, ok, type Result } from './result';

const conditionText = z.string().superRefine((s, ctx) => {
  const r = parseCondition(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
});

export const recordFilterSchema = z.union([conditionText, z.array(conditionText).min(1, 'List at least one condition')]);
export type RecordFilter = z.infer<typeof recordFilterSchema>;

/** The conditions of a filter (validated by the config schema; an invalid one is an error here too). */
export function parseRecordFilter(filter: RecordFilter): Result<Condition[]> {
  const out: Condition[] = [];
  for (const text of typeof filter === 'string' ? [filter] : filter) {
    const c = parseCondition(text);
    if (!c.ok) return err(`filter: ${c.error}`);
    out.push(c.value);
  }
  return ok(out);
}

/** The records every condition holds for, and how many were dropped. Without a filter every record is kept. */
export function filterRecords(filter: RecordFilter | undefined, records: readonly unknown[]): Result<{ kept: unknown[]; dropped: number }> {
  if (filter === undefined) return ok({ kept: [...records], dropped: 0 });
  const conditions = parseRecordFilter(filter);
  if (!conditions.ok) return conditions;
  const kept: unknown[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    let keep = true;
    for (const c of conditions.value) {
      const r = evaluateCondition(c, record, { missingAsNull: true });
      if (!r.ok) return err(`filter, record ${i + 1} of the page: ${r.error}`);
      if (!r.value) {
        keep = false;
        break;
      }
    }
    if (keep) kept.push(record);
  }
  return ok({ kept, dropped: records.length - kept.length });
}
