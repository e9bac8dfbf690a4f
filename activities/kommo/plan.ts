import type { BatchPlan } from '../../store/kommo-batches';
import type { ContactDoc, ContactState } from '../../store/kommo-state';
import { invalid } from './context';
import type { KommoActivityDeps } from './deps';
import { diffContacts, type ContactChange } from './diff';
import type { BatchInput, PlanSummary } from './types';

const summaryOf = (p: BatchPlan): PlanSummary => ({ contacts: p.counts.contacts, changed: p.counts.changed, imports: p.imports.length, excludes: p.excludes.length });

/**
 * Plans a batch against what the mirror knows, and records the new state: contacts new to the mirror are inserted
 * in one write; the others are read, compared and rewritten only when they changed. Each rewritten contact keeps
 * the batch number and its previous state, and the plan is stored last, so a retried attempt computes exactly the
 * same rows and exclusions. An e-mail is excluded only when no contact of the mirror has it any more.
 */
export async function planBatch(deps: KommoActivityDeps, input: BatchInput): Promise<PlanSummary> {
  const { mirrorId, n } = input;
  const { batches, state } = deps.kommo;
  const stored = await batches.plan(mirrorId, n);
  if (stored) return summaryOf(stored);
  const fetched = await batches.fetched(mirrorId, n);
  if (!fetched) throw invalid(`batch ${n} of mirror ${mirrorId} has not been fetched`);

  const existing = await state.insertNewContacts(
    mirrorId,
    fetched.contacts.map((c) => ({ contactId: c.id, name: c.name, emails: c.emails, updatedAt: c.updatedAt, deleted: false, batch: n, prev: null })),
  );
  const docs = await state.getContacts(mirrorId, [...existing, ...fetched.missing]);
  // This batch's own earlier attempt may have written a contact already: what it knew before is in `prev`.
  const before = (d: ContactDoc | undefined): ContactState | null =>
    !d ? null : d.batch === n ? d.prev : d.deleted ? null : { name: d.name, emails: d.emails };
  const changes: ContactChange[] = [
    ...fetched.contacts.map((c) => ({ contactId: c.id, before: existing.has(c.id) ? before(docs.get(c.id)) : null, after: { name: c.name, emails: c.emails } })),
    ...fetched.missing.map((id) => ({ contactId: id, before: before(docs.get(id)), after: null })),
  ];
  const diff = diffContacts(changes);

  const byId = new Map(fetched.contacts.map((c) => [c.id, c]));
  const changed = new Set(diff.changed);
  // New contacts were inserted above; existing ones are rewritten when they changed, gone ones become tombstones.
  const writes = changes.filter((c) => (changed.has(c.contactId) && existing.has(c.contactId)) || (c.after === null && docs.has(c.contactId)));
  for (const c of writes) {
    const doc = docs.get(c.contactId);
    if (doc?.batch === n) continue; // written by an earlier attempt
    const now = byId.get(c.contactId);
    await state.writeContact(mirrorId, {
      contactId: c.contactId,
      name: now?.name ?? doc?.name ?? '',
      emails: now?.emails ?? [],
      updatedAt: now?.updatedAt ?? doc?.updatedAt ?? 0,
      deleted: now === undefined,
      batch: n,
      prev: c.before,
    });
  }
  // Additions first: an e-mail that moves from one contact to another in this batch never looks unreferenced.
  await state.addReferences(mirrorId, diff.addRefs);
  await state.removeReferences(mirrorId, diff.removeRefs);
  const excludes = await state.unreferenced(mirrorId, [...new Set(diff.removeRefs.map((r) => r.email))]);
  const plan = await batches.savePlan(mirrorId, n, {
    imports: diff.imports,
    excludes,
    counts: { contacts: changes.length, changed: diff.changed.length, unchanged: diff.unchanged, added: diff.addRefs.length, removed: diff.removeRefs.length },
  });
  return summaryOf(plan);
}
