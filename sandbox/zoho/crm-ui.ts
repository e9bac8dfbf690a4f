import { z } from 'zod';
import { moduleSpec, secondOf, type ModuleSpec } from './crm-records';
import { moveToRecycleBin } from './crm-write';
import { controlError, crmUserOf, orgAdmin, orgOf } from './control';
import type { CrmRecord, OrgData, UserRef, ZohoState } from './model';

/**
 * What people do in the Zoho CRM UI, as control routes: edits and deletes that spend no API credit and run no
 * workflow, each made by one of the org's users (the administrator unless `by` names another).
 */

const target = {
  org: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  module: z.string().min(1).default('Contacts'),
  /** The user making the change: id or email. */
  by: z.string().min(1).optional(),
};

const editSchema = z.object({ ...target, id: z.string().min(1), fields: z.record(z.string(), z.unknown()) }).strict();
const deleteSchema = z
  .object({
    ...target,
    ids: z.array(z.string().min(1)).min(1),
    /** Delete from the recycle bin too: GET /deleted lists the record as type "permanent". */
    permanent: z.boolean().default(false),
  })
  .strict();

function resolve(state: ZohoState, b: { org?: string | undefined; account?: string | undefined; module: string; by?: string | undefined }): { org: OrgData; spec: ModuleSpec; by: UserRef } {
  const spec = moduleSpec(b.module);
  if (!spec) throw controlError(`unknown module ${b.module}`);
  const { org, account } = orgOf(state, b, 'crm');
  const by = b.by ? crmUserOf(state, org, b.by, 'by') : (account?.user ?? orgAdmin(state, org));
  return { org, spec, by };
}

function recordOf(state: ZohoState, org: OrgData, spec: ModuleSpec, id: string): CrmRecord {
  const r = state.records(org, spec.apiName).get(id);
  if (!r) throw controlError(`no ${spec.apiName} record ${id} in org ${org.id}`);
  return r;
}

/** POST /_control/zoho/crm/edit: fields changed in the UI (null clears one); Modified_Time and Modified_By move. */
export function editCrmRecord(state: ZohoState, input: unknown): { id: string; Modified_Time: string } {
  const b = editSchema.parse(input);
  const { org, spec, by } = resolve(state, b);
  const r = recordOf(state, org, spec, b.id);
  Object.assign(r.fields, b.fields);
  r.modifiedMs = secondOf(state.now());
  r.modifiedBy = by;
  return { id: r.id, Modified_Time: new Date(r.modifiedMs).toISOString() };
}

/** POST /_control/zoho/crm/delete: records deleted in the UI (to the recycle bin, or permanently). */
export function deleteCrmRecords(state: ZohoState, input: unknown): { deleted: string[] } {
  const b = deleteSchema.parse(input);
  const { org, spec, by } = resolve(state, b);
  const rows = state.deletedRows(org, spec.apiName);
  for (const id of b.ids) {
    const live = state.records(org, spec.apiName).get(id);
    if (live) moveToRecycleBin({ state, org, spec }, live, by);
    const row = rows.find((x) => x.id === id);
    if (!row) throw controlError(`no ${spec.apiName} record ${id} in org ${org.id}`);
    if (b.permanent) row.permanent = true;
  }
  return { deleted: b.ids };
}
