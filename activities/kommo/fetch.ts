import { Context } from '@temporalio/activity';
import { KOMMO_LIMITS, type ContactsQuery } from '../../providers/kommo/client';
import type { BatchFetched, FetchedContact } from '../../store/kommo-batches';
import { invalid, webhookBase } from './context';
import type { KommoActivityDeps } from './deps';
import { fetchedContact } from './diff';
import type { BatchInput, FetchSummary } from './types';
import { ensureWebhook } from './webhook';

/** A full-sync or poll batch reads two pages of 250: one import of at most 500 rows. */
const PAGES_PER_BATCH = 2;
/** Kommo logs deletions and restores as events; changes of fields are seen through updated_at. */
const DELETE_RESTORE_EVENTS = ['contact_deleted', 'contact_restored'];

const summaryOf = (f: BatchFetched): FetchSummary => ({ found: f.contacts.length, missing: f.missing.length, calls: f.calls, more: f.next !== null });

/**
 * Reads a batch's contacts from Kommo as they are now (on the kommo-data queue, paced per account): an inbox batch
 * by id (`filter[id][]`, 250 a request; an id Kommo leaves out is a deleted contact), a full-sync or poll batch as
 * the next two pages of its listing. A poll's first batch also reads the deletion and restore events since the
 * last poll, and revives the webhook if Kommo disabled it. Stored once; a retry answers from what is stored.
 */
export async function fetchBatch(deps: KommoActivityDeps, input: BatchInput): Promise<FetchSummary> {
  const { mirrorId, n } = input;
  const { batches, mirrors } = deps.kommo;
  const done = await batches.fetched(mirrorId, n);
  if (done) return summaryOf(done);
  const head = await batches.head(mirrorId, n);
  if (!head) throw invalid(`batch ${n} of mirror ${mirrorId} was never begun`);
  const mirror = await mirrors.find(mirrorId);
  if (!mirror) throw invalid(`no Kommo mirror with id ${mirrorId}`);
  const client = deps.connections.kommo(mirror.accountId, mirror.kommo.subdomain);
  const contacts = new Map<number, FetchedContact>();
  const missing: number[] = [];
  let next: string | null = null;
  let calls = 0;
  const byIds = async (ids: readonly number[]): Promise<void> => {
    const unique = [...new Set(ids)];
    if (!unique.length) return;
    calls += Math.ceil(unique.length / KOMMO_LIMITS.contactsPage);
    const r = await client.contactsByIds(unique);
    for (const c of r.found) contacts.set(c.id, fetchedContact(c));
    missing.push(...r.missing);
  };

  if (head.kind === 'inbox') {
    await byIds(head.ids);
  } else {
    const eventIds: number[] = [];
    if (head.kind === 'poll' && head.eventsFrom !== null) {
      const hook = await ensureWebhook(mirrors, mirror, client, webhookBase(deps.settings, mirrorId), 'revive');
      calls += hook.calls;
      if (hook.action !== 'kept') deps.log.warn({ mirrorId, action: hook.action }, 'the mirror webhook was disabled or gone at Kommo: subscribed again');
      let page = await client.eventsPage({ types: DELETE_RESTORE_EVENTS, createdFrom: head.eventsFrom });
      for (calls++; ; calls++) {
        eventIds.push(...page.items.map((e) => e.entity_id));
        if (!page.next) break;
        page = await client.eventsPage({ next: page.next });
      }
    }
    let from: ContactsQuery | { next: string } = head.cursor ? { next: head.cursor } : head.kind === 'full' ? { orderById: true } : { updatedFrom: head.updatedFrom ?? 0 };
    for (let i = 0; i < PAGES_PER_BATCH; i++) {
      const page = await client.contactsPage(from);
      calls++;
      for (const c of page.items) contacts.set(c.id, fetchedContact(c));
      next = page.next;
      Context.current().heartbeat({ pages: i + 1 });
      if (!next) break;
      from = { next };
    }
    await byIds(eventIds.filter((id) => !contacts.has(id)));
  }
  const fetched = await batches.saveFetched(mirrorId, n, { contacts: [...contacts.values()], missing: [...new Set(missing)], next, calls });
  return summaryOf(fetched);
}
