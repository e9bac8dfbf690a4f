import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { crmAuthFailure, crmError, crmInvalidParam, crmInvalidToken, crmScopeMismatch, ZohoHttpError } from './errors';
import { authenticate, hasScope } from './oauth';
import { zohoTime, type CrmRecord, type DeletedRow, type OrgData, type UserRef, type ZohoAccount, type ZohoState } from './model';

/**
 * Zoho CRM REST API v2 (https://www.zoho.com/crm/developer/docs/api/v2/), mounted at /zoho/api/crm/{v2,v2.1}.
 * Records live per org (the org of the account whose token is presented).
 */

const VERSIONS = new Set(['v2', 'v2.1']);

export interface ModuleSpec {
  apiName: string;
  mandatory: string[];
  /** System-defined duplicate check fields, used by upsert without duplicate_check_fields. */
  duplicateCheck: string[];
  displayName(fields: Record<string, unknown>): string;
  /** Contacts and Leads carry a computed Full_Name. */
  fullName: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const personName = (f: Record<string, unknown>): string => [str(f.First_Name), str(f.Last_Name)].filter(Boolean).join(' ');

export const MODULES: Record<string, ModuleSpec> = {
  contacts: { apiName: 'Contacts', mandatory: ['Last_Name'], duplicateCheck: ['Email'], displayName: personName, fullName: true },
  leads: { apiName: 'Leads', mandatory: ['Last_Name'], duplicateCheck: ['Email'], displayName: personName, fullName: true },
  accounts: { apiName: 'Accounts', mandatory: ['Account_Name'], duplicateCheck: ['Account_Name'], displayName: (f) => str(f.Account_Name), fullName: false },
  deals: { apiName: 'Deals', mandatory: ['Deal_Name', 'Stage'], duplicateCheck: ['Deal_Name'], displayName: (f) => str(f.Deal_Name), fullName: false },
};

/** GUESS: module API names in URLs match case-insensitively (seed 001 calls /crm/v2/deals). */
export const moduleSpec = (name: string): ModuleSpec | undefined => MODULES[name.toLowerCase()];

const EMAIL_FIELDS = new Set(['Email', 'Secondary_Email']);
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Output-only fields a write may carry but never sets. */
const SYSTEM_FIELDS = new Set(['id', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By', 'Owner', 'Full_Name']);

const secondOf = (ms: number): number => ms - (ms % 1000);
const idCompare = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
const userShort = (u: UserRef): { name: string; id: string } => ({ name: u.name, id: u.id });

export function renderRecord(spec: ModuleSpec, r: CrmRecord, fields?: string[]): Record<string, unknown> {
  const system: Record<string, unknown> = {
    Owner: r.owner,
    Created_By: r.createdBy,
    Created_Time: zohoTime(r.createdMs),
    Modified_By: r.modifiedBy,
    Modified_Time: zohoTime(r.modifiedMs),
    ...(spec.fullName ? { Full_Name: personName(r.fields) } : {}),
  };
  if (fields) {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = f in system ? system[f] : (r.fields[f] ?? null);
    out.id = r.id;
    return out;
  }
  return { Owner: r.owner, ...r.fields, ...system, id: r.id };
}

interface CrmCall {
  state: ZohoState;
  org: OrgData;
  account: ZohoAccount;
  spec: ModuleSpec;
  query: URLSearchParams;
  body: unknown;
  headers: FastifyRequest['headers'];
  id?: string;
}

interface CrmAnswer {
  status: number;
  body?: unknown;
}

type CostOf = (c: { query: URLSearchParams; body: unknown }) => number;

const dataLength = (body: unknown): number => {
  const d = z.object({ data: z.array(z.unknown()) }).loose().safeParse(body);
  return d.success ? d.data.data.length : 1;
};
/** GUESS at credit costs: reads 1; writes and deletes 1 per 10 records. */
const readCost: CostOf = () => 1;
const writeCost: CostOf = ({ body }) => Math.max(1, Math.ceil(dataLength(body) / 10));
const deleteCost: CostOf = ({ query }) => Math.max(1, Math.ceil((query.get('ids') ?? '').split(',').filter(Boolean).length / 10));

export function registerCrmRoutes(app: FastifyInstance, state: ZohoState): void {
  const route = (fn: (c: CrmCall) => CrmAnswer, costOf: CostOf) => async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const params = req.params as { version: string; module: string; id?: string };
    try {
      state.counters.crmRequests++;
      if (!VERSIONS.has(params.version)) throw crmError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');
      const auth = authenticate(state, req.headers.authorization);
      if (!auth.ok) throw auth.reason === 'missing' ? crmAuthFailure() : crmInvalidToken();
      if (!hasScope(auth.token.scope, 'ZohoCRM.')) throw crmScopeMismatch();
      const spec = moduleSpec(params.module);
      if (!spec) throw crmError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: 0 });
      const org = state.org(auth.account.org);
      const query = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
      const cfg = state.config;
      if (cfg.crmConcurrency !== null && org.inflight >= cfg.crmConcurrency) {
        state.counters.crmConcurrencyRejected++;
        // GUESS at the message; the code is documented.
        throw crmError(429, 'TOO_MANY_REQUESTS', 'The concurrency limit has been exceeded. Please try again after some time.', { limit: cfg.crmConcurrency });
      }
      org.inflight++;
      try {
        if (cfg.crmCreditsPer24h !== null && !org.credits.trySpend(state.now(), costOf({ query, body: req.body }), cfg.crmCreditsPer24h)) {
          state.counters.crmCreditsRejected++;
          throw crmError(429, 'TOO_MANY_REQUESTS', 'You have reached the API credit limit of your org for the last 24 hours.', { limit: cfg.crmCreditsPer24h });
        }
        if (cfg.crmLatencyMs > 0) await new Promise((r) => setTimeout(r, cfg.crmLatencyMs));
        const ans = fn({ state, org, account: auth.account, spec, query, body: req.body, headers: req.headers, ...(params.id ? { id: params.id } : {}) });
        reply.code(ans.status);
        return ans.body === undefined ? reply.send() : reply.send(ans.body);
      } finally {
        org.inflight--;
      }
    } catch (e) {
      if (e instanceof ZohoHttpError) return reply.code(e.httpStatus).headers(e.headers).send(e.payload);
      throw e;
    }
  };

  app.get('/api/crm/:version/:module', route(listRecords, readCost));
  app.get('/api/crm/:version/:module/deleted', route(listDeleted, readCost));
  app.get('/api/crm/:version/:module/:id', route(getRecord, readCost));
  app.post('/api/crm/:version/:module', route((c) => write(c, 'insert'), writeCost));
  app.put('/api/crm/:version/:module', route((c) => write(c, 'update'), writeCost));
  app.put('/api/crm/:version/:module/:id', route((c) => write(c, 'update'), writeCost));
  app.post('/api/crm/:version/:module/upsert', route((c) => write(c, 'upsert'), writeCost));
  app.delete('/api/crm/:version/:module', route(deleteRecords, deleteCost));
  app.delete('/api/crm/:version/:module/:id', route(deleteRecords, () => 1));
}

// ---- reads ---------------------------------------------------------------------------------------------------

function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw crmInvalidParam(name);
  return n;
}

/** If-Modified-Since: RFC 1123 or ISO 8601 (seed 001 sends 2020-09-03T17:40:53-05:00). */
function ifModifiedSince(c: CrmCall): number | undefined {
  const raw = c.headers['if-modified-since'];
  if (raw === undefined || raw === '') return undefined;
  const ms = Date.parse(String(raw));
  if (Number.isNaN(ms)) throw crmError(400, 'INVALID_DATA', 'invalid data', { header_name: 'If-Modified-Since' });
  return ms;
}

const modifiedAfter = (c: CrmCall, ms: number, since: number): boolean => (c.state.config.crmIfModifiedSinceInclusive ? ms >= secondOf(since) : ms > since);

function listRecords(c: CrmCall): CrmAnswer {
  const { state, org, spec, query: q } = c;
  const cfg = state.config;
  const fieldsRaw = q.get('fields');
  const fields = fieldsRaw ? fieldsRaw.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
  const perPage = intParam(q, 'per_page', 200, 1, 200);
  const pageToken = q.get('page_token');
  if (pageToken && q.get('page') !== null) {
    throw crmError(400, 'AMBIGUITY_DURING_PROCESSING', 'You cannot use both cvid and sort_by, and page and page_token.', { ambiguity_due_to: ['page', 'page_token'] });
  }
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const sortBy = q.get('sort_by') ?? 'id';
  if (!['id', 'Created_Time', 'Modified_Time'].includes(sortBy)) throw crmInvalidParam('sort_by');
  const sortOrder = q.get('sort_order') ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw crmInvalidParam('sort_order');
  const idsRaw = q.get('ids');
  const ids = idsRaw ? new Set(idsRaw.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
  if (ids && ids.size > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { limit: 100, param_name: 'ids' });
  const since = ifModifiedSince(c);

  const keyOf = (r: CrmRecord): number => (sortBy === 'Modified_Time' ? r.modifiedMs : sortBy === 'Created_Time' ? r.createdMs : 0);
  const dir = sortOrder === 'asc' ? 1 : -1;
  const cmp = (ka: number, ia: string, kb: number, ib: string): number => dir * (ka - kb || idCompare(ia, ib));
  let rows = [...state.records(org, spec.apiName).values()];
  if (ids) rows = rows.filter((r) => ids.has(r.id));
  if (since !== undefined) rows = rows.filter((r) => modifiedAfter(c, r.modifiedMs, since));
  rows.sort((a, b) => cmp(keyOf(a), a.id, keyOf(b), b.id));

  const fingerprint = JSON.stringify({ m: spec.apiName, fieldsRaw, perPage, sortBy, sortOrder, idsRaw, ims: c.headers['if-modified-since'] ?? null });
  let slice: CrmRecord[];
  let pageNo: number;
  let rest: number;
  if (pageToken) {
    const t = state.pageTokens.get(pageToken);
    if (!t || t.org !== org.id) throw crmError(400, 'INVALID_DATA', 'the page_token given seems to be invalid', { param_name: 'page_token' });
    if (state.now() - t.createdAt > cfg.crmPageTokenTtlSeconds * 1000) throw crmError(400, 'EXPIRED_VALUE', 'the page_token given has expired', { param_name: 'page_token' });
    if (t.fingerprint !== fingerprint) {
      throw crmError(400, 'TOKEN_BOUND_DATA_MISMATCH', 'The page_token given seems to be invalid or input param is added, altered, or deleted', { param_name: 'page_token' });
    }
    // A cursor, not an offset: records changed while paging move, as they do in Zoho.
    const after = rows.filter((r) => cmp(keyOf(r), r.id, t.after.key, t.after.id) > 0);
    slice = after.slice(0, perPage);
    rest = after.length - slice.length;
    pageNo = t.page;
  } else {
    const offset = (page - 1) * perPage;
    if (offset >= cfg.crmMaxDiscreteRecords) {
      throw crmError(400, 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', `You can only get the first ${cfg.crmMaxDiscreteRecords} records without using page_token param.`, {
        limit: cfg.crmMaxDiscreteRecords,
      });
    }
    // GUESS: a page straddling the limit is cut at it (more_records stays true, next_page_token continues).
    slice = rows.slice(offset, Math.min(offset + perPage, cfg.crmMaxDiscreteRecords));
    rest = rows.length - offset - slice.length;
    pageNo = page;
  }

  if (slice.length === 0) {
    // Nothing modified since the header's time: 304; otherwise an empty page: 204 with no body.
    return { status: since !== undefined && rows.length === 0 ? 304 : 204 };
  }
  const more = rest > 0;
  const last = slice[slice.length - 1];
  const next = more && last ? state.newPageToken({ org: org.id, module: spec.apiName, fingerprint, after: { key: keyOf(last), id: last.id }, page: pageNo + 1, createdAt: state.now() }) : undefined;
  return {
    status: 200,
    body: {
      data: slice.map((r) => renderRecord(spec, r, fields)),
      info: { per_page: perPage, count: slice.length, page: pageNo, more_records: more, next_page_token: next?.token ?? null, sort_by: sortBy, sort_order: sortOrder },
    },
  };
}

function getRecord(c: CrmCall): CrmAnswer {
  const r = c.state.records(c.org, c.spec.apiName).get(c.id ?? '');
  // GUESS: an unknown id answers 204 like an empty list.
  if (!r) return { status: 204 };
  return { status: 200, body: { data: [renderRecord(c.spec, r)] } };
}

function listDeleted(c: CrmCall): CrmAnswer {
  const { state, org, spec, query: q } = c;
  const type = q.get('type') ?? 'all';
  if (!['all', 'recycle', 'permanent'].includes(type)) throw crmInvalidParam('type');
  const perPage = intParam(q, 'per_page', 200, 1, 200);
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const since = ifModifiedSince(c);
  // Every delete of the fake goes to the recycle bin; nothing is ever permanently deleted.
  let rows: DeletedRow[] = type === 'permanent' ? [] : [...state.deletedRows(org, spec.apiName)];
  if (since !== undefined) rows = rows.filter((r) => modifiedAfter(c, r.deletedMs, since));
  // GUESS: newest deletions first.
  rows.sort((a, b) => b.deletedMs - a.deletedMs || idCompare(b.id, a.id));
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: since !== undefined && rows.length === 0 ? 304 : 204 };
  return {
    status: 200,
    body: {
      data: slice.map((r) => ({
        deleted_by: userShort(r.deleted_by),
        id: r.id,
        display_name: r.display_name,
        type: 'recycle',
        created_by: userShort(r.created_by),
        deleted_time: zohoTime(r.deletedMs),
      })),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < rows.length },
    },
  };
}

// ---- writes --------------------------------------------------------------------------------------------------

type RecordResult = Record<string, unknown> & { status: 'success' | 'error' };

const recordError = (code: string, message: string, details: Record<string, unknown>): RecordResult => ({ code, details, message, status: 'error' });

const sameValue = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' ? a.trim().toLowerCase() === b.trim().toLowerCase() : a === b && a !== undefined && a !== null;

/** Checks one record's fields; returns the cleaned fields or the per-record error. */
function checkFields(c: CrmCall, input: Record<string, unknown>, i: number, mode: 'insert' | 'update', selfId?: string): { fields: Record<string, unknown> } | { error: RecordResult } {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (SYSTEM_FIELDS.has(k) || k.startsWith('$')) continue;
    fields[k] = v;
  }
  for (const [k, v] of Object.entries(fields)) {
    if (EMAIL_FIELDS.has(k) && v !== null && (typeof v !== 'string' || !EMAIL_RE.test(v))) {
      return { error: recordError('INVALID_DATA', 'invalid data', { expected_data_type: 'email', api_name: k, json_path: `$.data[${i}].${k}` }) };
    }
  }
  for (const f of c.spec.mandatory) {
    const present = f in fields;
    const v = fields[f];
    if ((mode === 'insert' || present) && (typeof v !== 'string' || v.trim() === '')) {
      return { error: recordError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: f, json_path: `$.data[${i}].${f}` }) };
    }
  }
  const records = c.state.records(c.org, c.spec.apiName);
  for (const f of c.state.config.crmUniqueFields[c.spec.apiName] ?? []) {
    const v = fields[f];
    if (v === undefined || v === null || v === '') continue;
    for (const r of records.values()) {
      if (r.id !== selfId && sameValue(r.fields[f], v)) {
        return {
          error: recordError('DUPLICATE_DATA', 'duplicate data', {
            api_name: f,
            json_path: `$.data[${i}].${f}`,
            duplicate_record: { module: { api_name: c.spec.apiName }, id: r.id, Owner: userShort(r.owner) },
          }),
        };
      }
    }
  }
  return { fields };
}

function successDetails(r: CrmRecord): Record<string, unknown> {
  return {
    Modified_Time: zohoTime(r.modifiedMs),
    Modified_By: userShort(r.modifiedBy),
    Created_Time: zohoTime(r.createdMs),
    id: r.id,
    Created_By: userShort(r.createdBy),
  };
}

function insertOne(c: CrmCall, fields: Record<string, unknown>): CrmRecord {
  const now = c.state.now();
  const r: CrmRecord = { id: c.state.nextId(), fields, createdMs: secondOf(now), modifiedMs: secondOf(now), owner: c.account.user, createdBy: c.account.user, modifiedBy: c.account.user };
  c.state.records(c.org, c.spec.apiName).set(r.id, r);
  return r;
}

function updateOne(c: CrmCall, r: CrmRecord, fields: Record<string, unknown>): void {
  Object.assign(r.fields, fields);
  r.modifiedMs = secondOf(c.state.now());
  r.modifiedBy = c.account.user;
}

function write(c: CrmCall, mode: 'insert' | 'update' | 'upsert'): CrmAnswer {
  const parsed = z.object({ data: z.array(z.unknown()), duplicate_check_fields: z.array(z.string()).optional() }).loose().safeParse(c.body);
  if (!parsed.success) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'data' });
  const data = parsed.data.data;
  if (data.length === 0) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'data' });
  // GUESS at the body; the 100-record limit per write is documented.
  if (data.length > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'the number of records exceeds the limit', { limit: 100 });
  const checkFieldsList = parsed.data.duplicate_check_fields ?? c.spec.duplicateCheck;
  const records = c.state.records(c.org, c.spec.apiName);
  let inserted = 0;
  const results: RecordResult[] = data.map((raw, i): RecordResult => {
    const obj = z.record(z.string(), z.unknown()).safeParse(raw);
    if (!obj.success) return recordError('INVALID_DATA', 'invalid data', { api_name: 'data', json_path: `$.data[${i}]` });
    const input = obj.data;
    if (mode === 'insert') {
      const chk = checkFields(c, input, i, 'insert');
      if ('error' in chk) return chk.error;
      inserted++;
      return { code: 'SUCCESS', details: successDetails(insertOne(c, chk.fields)), message: 'record added', status: 'success' };
    }
    if (mode === 'update') {
      const id = c.id ?? (typeof input.id === 'string' ? input.id : undefined);
      if (!id) return recordError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'id', json_path: `$.data[${i}].id` });
      const r = records.get(id);
      if (!r) return recordError('INVALID_DATA', 'the id given seems to be invalid', { api_name: 'id', json_path: `$.data[${i}].id` });
      const chk = checkFields(c, input, i, 'update', r.id);
      if ('error' in chk) return chk.error;
      updateOne(c, r, chk.fields);
      return { code: 'SUCCESS', details: successDetails(r), message: 'record updated', status: 'success' };
    }
    // upsert: the first duplicate check field with a value that matches a record decides.
    let match: CrmRecord | undefined;
    let matchedOn: string | null = null;
    for (const f of checkFieldsList) {
      const v = input[f];
      if (v === undefined || v === null || v === '') continue;
      match = [...records.values()].find((r) => sameValue(r.fields[f], v));
      if (match) {
        matchedOn = f;
        break;
      }
    }
    if (match) {
      const chk = checkFields(c, input, i, 'update', match.id);
      if ('error' in chk) return chk.error;
      updateOne(c, match, chk.fields);
      return { code: 'SUCCESS', duplicate_field: matchedOn, action: 'update', details: successDetails(match), message: 'record updated', status: 'success' };
    }
    const chk = checkFields(c, input, i, 'insert');
    if ('error' in chk) return chk.error;
    inserted++;
    return { code: 'SUCCESS', duplicate_field: null, action: 'insert', details: successDetails(insertOne(c, chk.fields)), message: 'record added', status: 'success' };
  });
  const ok = results.filter((r) => r.status === 'success').length;
  // All ok: insert 201, update 200, upsert 201 when everything was inserted else 200 (GUESS for upsert).
  const allOk = mode === 'insert' || (mode === 'upsert' && inserted === results.length) ? 201 : 200;
  return { status: ok === results.length ? allOk : ok === 0 ? 400 : c.state.config.crmMixedStatus, body: { data: results } };
}

function deleteRecords(c: CrmCall): CrmAnswer {
  const ids = c.id ? [c.id] : (c.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'ids' });
  if (ids.length > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'the number of records exceeds the limit', { limit: 100, param_name: 'ids' });
  const records = c.state.records(c.org, c.spec.apiName);
  const deleted = c.state.deletedRows(c.org, c.spec.apiName);
  const results: RecordResult[] = ids.map((id) => {
    const r = records.get(id);
    if (!r) return recordError('INVALID_DATA', 'the id given seems to be invalid', { id });
    records.delete(id);
    deleted.push({ id, display_name: c.spec.displayName(r.fields), deletedMs: secondOf(c.state.now()), deleted_by: c.account.user, created_by: r.createdBy });
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  const ok = results.filter((r) => r.status === 'success').length;
  return { status: ok === results.length ? 200 : ok === 0 ? 400 : c.state.config.crmMixedStatus, body: { data: results } };
}
