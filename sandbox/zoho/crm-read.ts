import { crmError, crmInvalidParam } from './errors';
import { zohoTime, type CrmRecord, type DeletedRow } from './model';
import { idCompare, renderRecord, secondOf, timeHeader, userShort, versionNumber, type CrmAnswer, type CrmCall } from './crm-records';

/**
 * CRM reads: list records (https://www.zoho.com/crm/developer/docs/api/v8/get-records.html), one record, and
 * deleted records (https://www.zoho.com/crm/developer/docs/api/v8/get-deleted-records.html).
 */

/** v3 and later refuse a list call without `fields`, and take at most 50 of them. */
const MAX_FIELDS = 50;

export function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw crmInvalidParam(name);
  return n;
}

const modifiedAfter = (c: CrmCall, ms: number, since: number): boolean => (c.state.config.crmIfModifiedSinceInclusive ? ms >= secondOf(since) : ms > since);

function parseFields(c: CrmCall): string[] | undefined {
  const raw = c.query.get('fields');
  const fields = raw ? raw.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
  if (versionNumber(c.version) >= 3) {
    if (!fields?.length) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'required param is missing', { param_name: 'fields' });
    if (fields.length > MAX_FIELDS) throw crmError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { limit: MAX_FIELDS, param_name: 'fields' });
  }
  return fields;
}

export function listRecords(c: CrmCall): CrmAnswer {
  const { state, org, spec, query: q } = c;
  const cfg = state.config;
  const fields = parseFields(c);
  const perPage = intParam(q, 'per_page', 200, 1, 200);
  const pageToken = q.get('page_token');
  const tokens = cfg.crmV2PageToken || versionNumber(c.version) > 2;
  if (pageToken && !tokens) throw crmInvalidParam('page_token');
  if (pageToken && q.get('page') !== null) {
    throw crmError(400, 'AMBIGUITY_DURING_PROCESSING', 'You cannot use both cvid and sort_by, and page and page_token.', { ambiguity_due_to: [{ param_name: 'page' }, { param_name: 'page_token' }] });
  }
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const sortBy = q.get('sort_by') ?? 'id';
  if (!['id', 'Created_Time', 'Modified_Time'].includes(sortBy)) throw crmInvalidParam('sort_by');
  const sortOrder = q.get('sort_order') ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw crmInvalidParam('sort_order');
  const idsRaw = q.get('ids');
  const ids = idsRaw ? new Set(idsRaw.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
  if (ids && ids.size > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { limit: 100, param_name: 'ids' });
  const since = timeHeader(c, 'if-modified-since');

  const keyOf = (r: CrmRecord): number => (sortBy === 'Modified_Time' ? r.modifiedMs : sortBy === 'Created_Time' ? r.createdMs : 0);
  const dir = sortOrder === 'asc' ? 1 : -1;
  const cmp = (ka: number, ia: string, kb: number, ib: string): number => dir * (ka - kb || idCompare(ia, ib));
  let rows = [...state.records(org, spec.apiName).values()];
  if (ids) rows = rows.filter((r) => ids.has(r.id));
  if (since !== undefined) rows = rows.filter((r) => modifiedAfter(c, r.modifiedMs, since));
  rows.sort((a, b) => cmp(keyOf(a), a.id, keyOf(b), b.id));

  const fingerprint = JSON.stringify({ m: spec.apiName, f: q.get('fields'), perPage, sortBy, sortOrder, idsRaw, ims: c.headers['if-modified-since'] ?? null });
  let slice: CrmRecord[];
  let pageNo: number;
  let rest: number;
  let served: number;
  if (pageToken) {
    const t = state.pageTokens.get(pageToken);
    if (!t || t.org !== org.id) throw crmError(400, 'INVALID_DATA', 'the page_token given seems to be invalid', { param_name: 'page_token' });
    if (state.now() - t.createdAt > cfg.crmPageTokenTtlSeconds * 1000) {
      throw crmError(400, 'EXPIRED_VALUE', 'Page token expired', { api_name: 'page_token', json_path: '$.query.page_token' });
    }
    if (t.fingerprint !== fingerprint) {
      throw crmError(400, 'TOKEN_BOUND_DATA_MISMATCH', 'The page_token given seems to be invalid or input param is added or altered or deleted', { param_name: 'page_token' });
    }
    if (t.served >= cfg.crmMaxTokenRecords) {
      throw crmError(400, 'PAGINATION_LIMIT_EXCEEDED', `You can only get upto ${cfg.crmMaxTokenRecords} records using page_token param`, { param_name: 'page_token' });
    }
    // A cursor, not an offset: records changed while paging move, as they do in Zoho.
    const after = rows.filter((r) => cmp(keyOf(r), r.id, t.after.key, t.after.id) > 0);
    slice = after.slice(0, Math.min(perPage, cfg.crmMaxTokenRecords - t.served));
    rest = after.length - slice.length;
    pageNo = t.page;
    served = t.served + slice.length;
  } else {
    const offset = (page - 1) * perPage;
    if (offset >= cfg.crmMaxDiscreteRecords) {
      throw crmError(400, 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', `You can only get the first ${cfg.crmMaxDiscreteRecords} records without using page_token param`, {
        limit: cfg.crmMaxDiscreteRecords,
      });
    }
    // GUESS: a page straddling the limit is cut at it (more_records stays true, next_page_token continues).
    slice = rows.slice(offset, Math.min(offset + perPage, cfg.crmMaxDiscreteRecords));
    rest = rows.length - offset - slice.length;
    pageNo = page;
    served = offset + slice.length;
  }

  if (slice.length === 0) {
    // Nothing modified since the header's time: 304; otherwise an empty page: 204 with no body.
    return { status: since !== undefined && rows.length === 0 ? 304 : 204 };
  }
  const more = rest > 0;
  const last = slice[slice.length - 1];
  const createdAt = state.now();
  const next =
    more && last && tokens ? state.newPageToken({ org: org.id, module: spec.apiName, fingerprint, after: { key: keyOf(last), id: last.id }, page: pageNo + 1, served, createdAt }) : undefined;
  const tokenInfo = versionNumber(c.version) >= 3 ? { previous_page_token: null, page_token_expiry: next ? zohoTime(createdAt + cfg.crmPageTokenTtlSeconds * 1000) : null } : {};
  return {
    status: 200,
    body: {
      data: slice.map((r) => renderRecord(spec, r, fields)),
      info: { per_page: perPage, count: slice.length, page: pageNo, more_records: more, next_page_token: next?.token ?? null, ...tokenInfo, sort_by: sortBy, sort_order: sortOrder },
    },
  };
}

export function getRecord(c: CrmCall): CrmAnswer {
  const r = c.state.records(c.org, c.spec.apiName).get(c.id ?? '');
  // GUESS: an unknown id answers 204 like an empty list.
  if (!r) return { status: 204 };
  return { status: 200, body: { data: [renderRecord(c.spec, r)] } };
}

/** A deleted row as listed now: in the recycle bin, permanent, or aged out of the bin (gone, or permanent). */
function deletedKind(c: CrmCall, r: DeletedRow): 'recycle' | 'permanent' | 'gone' {
  if (r.permanent) return 'permanent';
  const agedOut = c.state.now() - r.deletedMs > c.state.config.crmRecycleBinRetentionDays * 24 * 3600 * 1000;
  if (!agedOut) return 'recycle';
  return c.state.config.crmAgedOutDeleted;
}

export function listDeleted(c: CrmCall): CrmAnswer {
  const { state, org, spec, query: q } = c;
  const type = q.get('type') ?? 'all';
  if (!['all', 'recycle', 'permanent'].includes(type)) throw crmInvalidParam('type');
  const perPage = intParam(q, 'per_page', 200, 1, 200);
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const since = timeHeader(c, 'if-modified-since');
  let rows = state
    .deletedRows(org, spec.apiName)
    .map((r) => ({ r, kind: deletedKind(c, r) }))
    .filter(({ kind }) => kind !== 'gone' && (type === 'all' || kind === type));
  if (since !== undefined) rows = rows.filter(({ r }) => modifiedAfter(c, r.deletedMs, since));
  // GUESS: newest deletions first.
  rows.sort((a, b) => b.r.deletedMs - a.r.deletedMs || idCompare(b.r.id, a.r.id));
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: since !== undefined && rows.length === 0 ? 304 : 204 };
  return {
    status: 200,
    body: {
      // Permanently deleted rows keep only the id and the time (the documented example shows nulls).
      data: slice.map(({ r, kind }) => ({
        deleted_by: kind === 'permanent' ? null : userShort(r.deleted_by),
        id: r.id,
        display_name: kind === 'permanent' ? null : r.display_name,
        type: kind,
        created_by: kind === 'permanent' ? null : userShort(r.created_by),
        deleted_time: zohoTime(r.deletedMs),
      })),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < rows.length },
    },
  };
}
