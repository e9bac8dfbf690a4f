import { BATCH_LIMITS, chunk, type ContactAdapter, type CreateItem, type DeleteItem, type ItemResult, type TagItem, type UpdateItem, type WriteOutcome } from '../../sync';
import { FailureType, ProviderError } from '../errors';
import { LINK_ID_KEY, SYNC_PERSON_FIELDS, personForCreate, personForUpdate, personToRecord, type GoogleMapping, type PersonField } from './mapper';
import { PEOPLE_LIMITS, type ItemResult as PeopleItem, type PeopleClient } from './people';
import type { ClientData, Person } from './types';

/** The clientData key of the tag put on a contact whose counterpart was deleted (unlinkAndTag). */
export const TAG_KEY = 'switchyardTag';

const failed = (e: ProviderError): WriteOutcome => {
  if (e.kind === FailureType.Conflict) return { ok: false, reason: 'conflict', message: e.message };
  if (e.details.status === 404) return { ok: false, reason: 'notFound', message: e.message };
  return { ok: false, reason: 'failed', message: e.message };
};

const answered = (linkId: string, r: PeopleItem | undefined): ItemResult<Person> =>
  !r ? { linkId, outcome: { ok: false, reason: 'failed', message: 'no answer for this contact' } } : r.ok ? { linkId, outcome: { ok: true, id: r.person.resourceName ?? r.resourceName, ...(r.person.etag ? { version: r.person.etag } : {}) }, record: r.person } : { linkId, outcome: failed(r.error) };

/**
 * Google Contacts as one side of a contact sync (sync/adapter.ts), over the People client: sync-token listings,
 * batch writes of at most 200 (500 deletes) read back with the fields sync compares, so the new etag is known.
 * https://developers.google.com/people/v1/contacts#sync_the_users_contacts
 */
export function googleContacts(client: PeopleClient, m: GoogleMapping): ContactAdapter<Person> {
  const fields = [...SYNC_PERSON_FIELDS];
  const key = m.linkIdKey ?? LINK_ID_KEY;

  async function updateGrouped(entries: { linkId: string; person: Person; mask: PersonField[] }[]): Promise<ItemResult<Person>[]> {
    // batchUpdateContacts takes one updateMask for all its contacts: contacts with the same mask go together, so no
    // contact is written on a field it did not change.
    const groups = new Map<string, typeof entries>();
    for (const e of entries) groups.set(e.mask.join(','), [...(groups.get(e.mask.join(',')) ?? []), e]);
    const out: ItemResult<Person>[] = [];
    for (const [mask, group] of groups) {
      const byName = new Map(group.map((e) => [e.person.resourceName!, e]));
      const results = await client.batchUpdate(Object.fromEntries(group.map((e) => [e.person.resourceName!, e.person])), mask.split(','), fields);
      const got = new Map(results.map((r) => [r.resourceName, r]));
      for (const [name, e] of byName) out.push(answered(e.linkId, got.get(name)));
    }
    return out;
  }

  return {
    provider: 'google',
    limits: BATCH_LIMITS.google,
    async listChanges(cursor, page) {
      try {
        const res = await client.listPage({ personFields: fields, pageSize: PEOPLE_LIMITS.pageSize, ...(cursor ? { syncToken: cursor } : {}) }, page);
        return {
          kind: 'page',
          page: { records: res.connections ?? [], deleted: [], full: cursor === null, ...(res.nextPageToken ? { nextPage: res.nextPageToken } : {}), ...(res.nextSyncToken ? { nextCursor: res.nextSyncToken } : {}) },
        };
      } catch (err) {
        if (err instanceof ProviderError && err.kind === FailureType.CursorExpired) return { kind: 'cursorExpired' };
        throw err;
      }
    },
    async getMany(ids) {
      const out: Person[] = [];
      for (const part of chunk(ids, PEOPLE_LIMITS.batchGet)) for (const r of await client.batchGet(part, fields)) if (r.ok) out.push(r.person);
      return out;
    },
    async create(items: readonly CreateItem[]) {
      const results = await client.batchCreate(items.map((i) => personForCreate(i, m)), fields);
      return items.map((item, i) => answered(item.linkId, results[i]));
    },
    async update(items: readonly UpdateItem[], current) {
      const out: ItemResult<Person>[] = [];
      const entries: { linkId: string; person: Person; mask: PersonField[] }[] = [];
      for (const item of items) {
        const cur = current.get(item.id) as Person | undefined;
        if (!cur) out.push({ linkId: item.linkId, outcome: { ok: false, reason: 'notFound' } });
        else if (cur.etag !== item.baseVersion) out.push({ linkId: item.linkId, outcome: { ok: false, reason: 'conflict', message: `${item.id} changed since it was read` } });
        else {
          const w = personForUpdate(cur, item, m);
          if (!w) out.push({ linkId: item.linkId, outcome: { ok: true, id: item.id, ...(cur.etag ? { version: cur.etag } : {}) }, record: cur });
          else entries.push({ linkId: item.linkId, person: w.person, mask: w.updatePersonFields });
        }
      }
      return [...out, ...(entries.length ? await updateGrouped(entries) : [])];
    },
    async delete(items: readonly DeleteItem[]) {
      try {
        await client.batchDelete(items.map((i) => i.id));
        return items.map((i) => ({ linkId: i.linkId, outcome: { ok: true as const, id: i.id } }));
      } catch (err) {
        if (!(err instanceof ProviderError) || items.length === 1 || (err.details.status !== 404 && err.details.status !== 400)) throw err;
        // One contact of the batch is gone already: delete them one by one to learn which.
        const out: ItemResult<Person>[] = [];
        for (const i of items) {
          try {
            await client.batchDelete([i.id]);
            out.push({ linkId: i.linkId, outcome: { ok: true, id: i.id } });
          } catch (e) {
            if (!(e instanceof ProviderError)) throw e;
            out.push({ linkId: i.linkId, outcome: e.details.status === 404 || e.details.status === 400 ? { ok: false, reason: 'notFound', message: e.message } : failed(e) });
          }
        }
        return out;
      }
    },
    async tag(items: readonly TagItem[]) {
      // The tag is kept in clientData (TAG_KEY) beside the link id: visible to the API and to Switchyard, not in
      // Google's own UI (contact groups would be).
      const current = new Map((await this.getMany(items.map((i) => i.id))).map((p) => [p.resourceName ?? '', p]));
      const out: ItemResult<Person>[] = [];
      const entries: { linkId: string; person: Person; mask: PersonField[] }[] = [];
      for (const item of items) {
        const cur = current.get(item.id);
        if (!cur) {
          out.push({ linkId: item.linkId, outcome: { ok: false, reason: 'notFound' } });
          continue;
        }
        const data: ClientData[] = [...(cur.clientData ?? []).filter((d) => d.key !== TAG_KEY).map((d) => ({ key: d.key ?? '', value: d.value ?? '' })), { key: TAG_KEY, value: item.tag }];
        entries.push({ linkId: item.linkId, person: { resourceName: item.id, ...(cur.etag ? { etag: cur.etag } : {}), clientData: data }, mask: ['clientData'] });
      }
      return [...out, ...(entries.length ? await updateGrouped(entries) : [])];
    },
    toRecord: (raw) => personToRecord(raw, { ...m, linkIdKey: key }),
    deletedId: (raw) => (raw.metadata?.deleted ? raw.resourceName : undefined),
  };
}
