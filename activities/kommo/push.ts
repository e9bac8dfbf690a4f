import { Context, activityInfo } from '@temporalio/activity';
import { UNISENDER_LIMITS } from '../../providers/unisender/client';
import { invalid, readyMirror } from './context';
import type { KommoActivityDeps } from './deps';
import type { BatchInput, PushSummary } from './types';

/** Where a push stands, in its heartbeat details: a retried attempt resumes after the last call that went through. */
interface PushProgress extends PushSummary {
  chunks: number;
}

/** The import's columns: the address, the contact's name, and the list it joins (other lists are left alone). */
const FIELD_NAMES = ['email', 'Name', 'email_list_ids'] as const;

/**
 * Writes a batch's plan to Unisender (on the unisender queue): imports of at most 500 rows into the mirror's list,
 * then one `exclude` per e-mail that no contact has any more (off this list only; never Unisender's account-wide
 * delete). Rows Unisender refuses (invalid, role, spam-trap addresses) are recorded as rejections and not retried.
 * https://www.unisender.com/en/support/api/contacts/importcontacts/
 */
export async function pushBatch(deps: KommoActivityDeps, input: BatchInput): Promise<PushSummary> {
  const { mirrorId, n } = input;
  const plan = await deps.kommo.batches.plan(mirrorId, n);
  if (!plan) throw invalid(`batch ${n} of mirror ${mirrorId} has no plan`);
  const mirror = await readyMirror(deps, mirrorId);
  const listId = String(mirror.unisender.listId);
  const client = deps.connections.unisender(mirror);
  const p: PushProgress = (activityInfo().heartbeatDetails as PushProgress | undefined) ?? { chunks: 0, imported: 0, rejected: 0, excluded: 0, importCalls: 0 };
  const beat = (): void => Context.current().heartbeat(p);

  for (let i = p.chunks * UNISENDER_LIMITS.importRows; i < plan.imports.length; i += UNISENDER_LIMITS.importRows) {
    const rows = plan.imports.slice(i, i + UNISENDER_LIMITS.importRows);
    const res = await client.importContacts({ fieldNames: FIELD_NAMES, rows: rows.map((r) => [r.email, r.name, listId]) });
    const refused = res.log.filter((l) => rows[l.index]).map((l) => ({ email: rows[l.index]!.email, code: l.code, message: l.message }));
    if (refused.length) {
      await deps.kommo.state.recordRejections(mirrorId, refused);
      deps.log.info({ mirrorId, batch: n, rejected: refused.length, codes: [...new Set(refused.map((r) => r.code))] }, 'Unisender refused rows of an import');
    }
    p.chunks++;
    p.importCalls++;
    p.imported += rows.length - refused.length;
    p.rejected += refused.length;
    beat();
  }
  for (let i = p.excluded; i < plan.excludes.length; i++) {
    await client.exclude({ contactType: 'email', contact: plan.excludes[i]!, listIds: [mirror.unisender.listId] });
    p.excluded++;
    beat();
  }
  return { imported: p.imported, rejected: p.rejected, excluded: p.excluded, importCalls: p.importCalls };
}
