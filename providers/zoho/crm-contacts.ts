import { z } from 'zod';
import { BATCH_LIMITS, chunk, type ContactAdapter, type CrmFieldMapping, type ItemResult, type WriteOutcome } from '../../sync';
import { FailureType, ProviderError } from '../errors';
import { CRM_LIMITS, type ZohoCrmClient, type ZohoWriteOutcome } from './crm';
import { crmFieldNames, crmForCreate, crmForUpdate, crmToRecord } from './mapper';
import type { ZohoContact } from './types';

/**
 * Zoho CRM Contacts as one side of a contact sync (sync/adapter.ts). A listing is the records modified since the
 * cursor (If-Modified-Since, oldest first, `page` then `page_token` past 2,000), then, when due, the deleted records
 * since the last check. Records another CRM user owns are not this pairing's: a linked one that changed owner counts
 * as deleted here. Creates are upserts on the pairing's unique link id field, so a create whose answer was lost
 * updates the record it made instead of duplicating it.
 */
export interface CrmContactsOptions {
  mapping: CrmFieldMapping;
  /** The CRM user whose contacts are synced (the account's loginUserUsuario); null: every contact of the org. */
  ownerId: string | null;
  /** Seconds of Modified_Time a listing goes back before its cursor, for records saved in the cursor's second. */
  overlapSeconds: number;
  /** Seconds between checks of the deleted records (each check is one more call, even when nothing was deleted). */
  deletesEverySeconds: number;
  now?: () => number;
}

/** The cursor: the newest Modified_Time seen, and when deleted records were last read. */
const cursorSchema = z.object({ m: z.string().nullable(), d: z.string().nullable() });
type Cursor = z.infer<typeof cursorSchema>;

/** Page tokens: `r:<page>|<token>|<newest>` while listing records, `d:<page>|<newest>` while listing deletions. */
function parsePage(page: string | undefined): { phase: 'r' | 'd'; page: number; token: string | null; newest: string | null } {
  if (!page) return { phase: 'r', page: 1, token: null, newest: null };
  const [phase, n, token, newest] = page.split('|');
  return { phase: phase === 'd' ? 'd' : 'r', page: Number(n) || 1, token: token || null, newest: newest || null };
}

const later = (a: string | null | undefined, b: string | null | undefined): string | null => {
  if (!a) return b ?? null;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
};

function outcomeOf(o: ZohoWriteOutcome | undefined): WriteOutcome {
  if (!o) return { ok: false, reason: 'failed', message: 'no answer for this record' };
  if (o.ok) return { ok: true, id: o.id, ...(o.modifiedTime ? { version: o.modifiedTime } : {}) };
  if (o.error.kind === FailureType.Conflict) return { ok: false, reason: 'conflict', message: o.error.message };
  if (o.error.details.code === 'INVALID_DATA' && /id/i.test(o.error.message)) return { ok: false, reason: 'notFound', message: o.error.message };
  return { ok: false, reason: 'failed', message: o.error.message };
}

export function crmContacts(client: ZohoCrmClient, opts: CrmContactsOptions): ContactAdapter<ZohoContact> {
  const m = opts.mapping;
  const now = opts.now ?? Date.now;
  const fields = [...new Set([...crmFieldNames(m), 'Owner'])];
  const ours = (r: ZohoContact): boolean => opts.ownerId === null || r.Owner?.id === opts.ownerId;
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

  return {
    provider: 'zoho-crm',
    limits: BATCH_LIMITS.zohoCrm,
    idempotentCreates: true,
    async listChanges(cursorText, page) {
      const cursor: Cursor | null = cursorText ? cursorSchema.parse(JSON.parse(cursorText)) : null;
      const at = parsePage(page);
      const deletesDue = cursor !== null && (cursor.d === null || now() - Date.parse(cursor.d) >= opts.deletesEverySeconds * 1000);
      const done = (newest: string | null, checkedDeletes: boolean): string => JSON.stringify({ m: later(cursor?.m, newest), d: checkedDeletes ? iso(now()) : (cursor?.d ?? (cursor === null ? iso(now()) : null)) } satisfies Cursor);
      if (at.phase === 'r') {
        const since = cursor?.m ? iso(Date.parse(cursor.m) - opts.overlapSeconds * 1000) : undefined;
        const res = await client.listPage(
          { fields, sortBy: 'Modified_Time', sortOrder: 'asc', ...(since ? { modifiedSince: since } : {}) },
          at.token ? { pageToken: at.token } : { page: at.page },
        );
        const mine = res.records.filter(ours);
        // A record that left this user's contacts is gone from the pairing (a complete listing infers it anyway).
        const gone = cursor ? res.records.filter((r) => !ours(r)).map((r) => r.id) : [];
        const newest = later(at.newest, res.records[res.records.length - 1]?.Modified_Time ?? null);
        let nextPage: string | undefined;
        if (res.info?.more_records) {
          const pastDiscrete = at.token !== null || at.page * (res.info.per_page || CRM_LIMITS.perPage) >= CRM_LIMITS.discreteRecords;
          const token = pastDiscrete ? res.info.next_page_token : null;
          if (pastDiscrete && !token) throw new ProviderError(FailureType.Invalid, 'zoho', `list records: more than ${CRM_LIMITS.discreteRecords} records and no next_page_token (API ${client.version}: use v3 or later)`);
          nextPage = `r|${at.page + 1}|${token ?? ''}|${newest ?? ''}`;
        } else if (deletesDue) {
          nextPage = `d|1||${newest ?? ''}`;
        }
        return { kind: 'page', page: { records: mine, deleted: gone, full: cursor === null, ...(nextPage ? { nextPage } : { nextCursor: done(newest, false) }) } };
      }
      const since = cursor?.d ? iso(Date.parse(cursor.d) - opts.overlapSeconds * 1000) : undefined;
      const res = await client.listDeletedPage({ type: 'all', page: at.page, ...(since ? { modifiedSince: since } : {}) });
      const more = res.info?.more_records === true;
      return {
        kind: 'page',
        page: { records: [], deleted: res.records.map((r) => r.id), full: false, ...(more ? { nextPage: `d|${at.page + 1}||${at.newest ?? ''}` } : { nextCursor: done(at.newest, true) }) },
      };
    },
    async getMany(ids) {
      const out: ZohoContact[] = [];
      for (const part of chunk(ids, CRM_LIMITS.write)) out.push(...(await client.byIds(part, fields)));
      return out;
    },
    async create(items) {
      const records = items.map((i) => ({ ...crmForCreate(i, m).record, ...(opts.ownerId ? { Owner: { id: opts.ownerId } } : {}) }));
      const res = await client.upsert(records, [m.linkIdField]);
      return items.map((i, n) => ({ linkId: i.linkId, outcome: outcomeOf(res[n]) }));
    },
    async update(items, current) {
      const out: ItemResult<ZohoContact>[] = [];
      const send = items.filter((i) => {
        const cur = current.get(i.id) as ZohoContact | undefined;
        if (!cur) out.push({ linkId: i.linkId, outcome: { ok: false, reason: 'notFound' } });
        else if (cur.Modified_Time !== i.baseVersion) out.push({ linkId: i.linkId, outcome: { ok: false, reason: 'conflict', message: `${i.id} changed since it was read` } });
        else return true;
        return false;
      });
      if (send.length) {
        const res = await client.update(send.map((i) => crmForUpdate(i, m).record));
        send.forEach((i, n) => out.push({ linkId: i.linkId, outcome: outcomeOf(res[n]) }));
      }
      return out;
    },
    async delete(items) {
      const res = await client.delete(items.map((i) => i.id));
      return items.map((i, n) => ({ linkId: i.linkId, outcome: outcomeOf(res[n]) }));
    },
    async tag(items) {
      // CRM tags are written with the record: the Tag field (https://www.zoho.com/crm/developer/docs/api/v8/add-tags.html).
      const res = await client.update(items.map((i) => ({ id: i.id, Tag: [{ name: i.tag }] })));
      return items.map((i, n) => ({ linkId: i.linkId, outcome: outcomeOf(res[n]) }));
    },
    toRecord: (raw) => crmToRecord(raw, m),
    deletedId: () => undefined,
  };
}

