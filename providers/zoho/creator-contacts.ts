import { BATCH_LIMITS, type ContactAdapter, type CreatorFieldMapping, type ItemResult, type WriteOutcome } from '../../sync';
import { ProviderError } from '../errors';
import type { CreatorClient, CreatorOutcome } from './creator';
import { creatorForCreate, creatorForUpdate, creatorToRecord } from './creator-mapper';
import type { CreatorRecord, CreatorTarget } from './types';

/**
 * A Zoho Creator form and report as one side of a contact sync (the seed's target). Creator has no change feed and
 * no deleted-records API, so every listing is complete (the report in full, 1,000 a page): changes are found by
 * version and hash, deletions by set difference. Adds go 200 a call; updates and deletes go one record a call (by ID:
 * Creator's criteria cannot name several IDs), paced to Creator's 50 calls a minute per endpoint.
 */
function outcomeOf(o: CreatorOutcome | undefined): WriteOutcome {
  if (!o) return { ok: false, reason: 'failed', message: 'no answer for this record' };
  return o.ok ? { ok: true, id: o.id } : { ok: false, reason: 'failed', message: o.error.message };
}

export function creatorContacts(client: CreatorClient, target: CreatorTarget, m: CreatorFieldMapping): ContactAdapter<CreatorRecord> {
  return {
    provider: 'zoho-creator',
    limits: BATCH_LIMITS.zohoCreator,
    async listChanges(_cursor, page) {
      const res = await client.listPage(target.report, { maxRecords: 1000 }, page);
      return { kind: 'page', page: { records: res.records, deleted: [], full: true, ...(res.cursor ? { nextPage: res.cursor } : { nextCursor: new Date().toISOString() }) } };
    },
    async getMany(ids) {
      const out: CreatorRecord[] = [];
      for (const id of ids) {
        const r = await client.getById(target.report, id);
        if (r) out.push(r);
      }
      return out;
    },
    async create(items) {
      const res = await client.add(target.form, items.map((i) => creatorForCreate(i, m).record));
      // Creator answers the new record's ID only: its version is known once it is read back (next listing).
      return items.map((i, n) => ({ linkId: i.linkId, outcome: outcomeOf(res[n]) }));
    },
    async update(items, current) {
      const out: ItemResult<CreatorRecord>[] = [];
      for (const i of items) {
        const cur = current.get(i.id) as CreatorRecord | undefined;
        if (!cur) {
          out.push({ linkId: i.linkId, outcome: { ok: false, reason: 'notFound' } });
          continue;
        }
        if (creatorToRecord(cur, m).version !== i.baseVersion) {
          out.push({ linkId: i.linkId, outcome: { ok: false, reason: 'conflict', message: `${i.id} changed since it was read` } });
          continue;
        }
        out.push({ linkId: i.linkId, outcome: outcomeOf(await client.updateById(target.report, i.id, creatorForUpdate(i, m, cur).record)) });
      }
      return out;
    },
    async delete(items) {
      const out: ItemResult<CreatorRecord>[] = [];
      for (const i of items) {
        try {
          const existed = await client.deleteById(target.report, i.id);
          out.push({ linkId: i.linkId, outcome: existed ? { ok: true, id: i.id } : { ok: false, reason: 'notFound' } });
        } catch (err) {
          if (!(err instanceof ProviderError)) throw err;
          out.push({ linkId: i.linkId, outcome: { ok: false, reason: 'failed', message: err.message } });
        }
      }
      return out;
    },
    // Creator forms have no tags: the survivor stays as it is, unlinked (logged by the cycle).
    tag: async (items) => items.map((i) => ({ linkId: i.linkId, outcome: { ok: true, id: i.id } })),
    toRecord: (raw) => creatorToRecord(raw, m),
    deletedId: () => undefined,
  };
}
