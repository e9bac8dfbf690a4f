import { z } from 'zod';
import { crmError } from './errors';
import { zohoTime, type CrmRecord, type UserRef } from './model';
import { secondOf, timeHeader, userShort, type CrmAnswer, type CrmCall } from './crm-records';
import { runWorkflowRules, triggersWorkflow } from './crm-workflow';

/**
 * CRM writes: insert (https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html), update
 * (.../update-records.html), upsert (.../upsert-records.html) and delete (.../delete-records.html). At most 100
 * records a call; each record answers its own code.
 */

const EMAIL_FIELDS = new Set(['Email', 'Secondary_Email']);
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Output-only fields a write may carry but never sets (Owner is handled on its own). */
const SYSTEM_FIELDS = new Set(['id', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By', 'Owner', 'Full_Name']);
const TRIGGERS = ['workflow', 'approval', 'blueprint', 'orchestration'] as const;

type RecordResult = Record<string, unknown> & { status: 'success' | 'error' };
type Mode = 'insert' | 'update' | 'upsert';

const recordError = (code: string, message: string, details: Record<string, unknown>): RecordResult => ({ code, details, message, status: 'error' });

const sameValue = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' ? a.trim().toLowerCase() === b.trim().toLowerCase() : a === b && a !== undefined && a !== null;

/** The unique fields of the module: system duplicate-check fields first, then those the org marked unique. */
const uniqueFields = (c: CrmCall): string[] => [...new Set([...c.spec.duplicateCheck, ...(c.state.config.crmUniqueFields[c.spec.apiName] ?? [])])];

/** `Owner` in a write: {id} or an id string naming an active user of the org. */
function ownerOf(c: CrmCall, raw: unknown, i: number): { owner?: UserRef } | { error: RecordResult } {
  if (raw === undefined || raw === null) return {};
  const id = typeof raw === 'string' ? raw : typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
  const user = id === undefined ? undefined : c.org.users.get(id);
  if (!user || user.status !== 'active') {
    return { error: recordError('INVALID_DATA', 'invalid data', { expected_data_type: 'lookup', api_name: 'Owner', json_path: `$.data[${i}].Owner` }) };
  }
  return { owner: { name: user.name, id: user.id, email: user.email } };
}

type Checked = { fields: Record<string, unknown>; owner?: UserRef };

/** Checks one record's fields; returns the cleaned fields (and owner) or the per-record error. */
function checkFields(c: CrmCall, input: Record<string, unknown>, i: number, mode: 'insert' | 'update', selfId?: string): Checked | { error: RecordResult } {
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
  const owner = ownerOf(c, input.Owner, i);
  if ('error' in owner) return owner;
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
            more_records: false,
          }),
        };
      }
    }
  }
  return { fields, ...(owner.owner ? { owner: owner.owner } : {}) };
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

function insertOne(c: CrmCall, chk: Checked): CrmRecord {
  const now = secondOf(c.state.now());
  const me = c.account.user;
  const r: CrmRecord = { id: c.state.nextId(), fields: chk.fields, createdMs: now, modifiedMs: now, owner: chk.owner ?? me, createdBy: me, modifiedBy: me };
  c.state.records(c.org, c.spec.apiName).set(r.id, r);
  return r;
}

function updateOne(c: CrmCall, r: CrmRecord, chk: Checked): void {
  Object.assign(r.fields, chk.fields);
  if (chk.owner) r.owner = chk.owner;
  r.modifiedMs = secondOf(c.state.now());
  r.modifiedBy = c.account.user;
}

const writeBody = z
  .object({ data: z.array(z.unknown()), duplicate_check_fields: z.array(z.string()).optional(), trigger: z.array(z.string()).optional() })
  .loose();

export function write(c: CrmCall, mode: Mode): CrmAnswer {
  const parsed = writeBody.safeParse(c.body);
  if (!parsed.success) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'data' });
  const { data, trigger } = parsed.data;
  if (data.length === 0) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'data' });
  // GUESS at the body; the 100-record limit per write is documented.
  if (data.length > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'the number of records exceeds the limit', { limit: 100 });
  const badTrigger = trigger?.find((t) => !(TRIGGERS as readonly string[]).includes(t));
  if (badTrigger !== undefined) throw crmError(400, 'INVALID_DATA', 'invalid data', { api_name: 'trigger', json_path: '$.trigger', supported_values: [...TRIGGERS] });
  // duplicate_check_fields may name only system duplicate-check fields and fields marked unique.
  const unique = uniqueFields(c);
  const checkList = parsed.data.duplicate_check_fields ?? unique;
  const notUnique = checkList.find((f) => !unique.includes(f));
  if (notUnique !== undefined) throw crmError(400, 'INVALID_DATA', 'the field is not a unique field', { api_name: notUnique, json_path: '$.duplicate_check_fields' });
  const unmodifiedSince = mode === 'update' ? timeHeader(c, 'if-unmodified-since') : undefined;
  const records = c.state.records(c.org, c.spec.apiName);
  const written: { r: CrmRecord; action: 'insert' | 'update' }[] = [];
  let inserted = 0;
  let alreadyModified = 0;

  const results: RecordResult[] = data.map((raw, i): RecordResult => {
    const obj = z.record(z.string(), z.unknown()).safeParse(raw);
    if (!obj.success) return recordError('INVALID_DATA', 'invalid data', { api_name: 'data', json_path: `$.data[${i}]` });
    const input = obj.data;
    if (mode === 'insert') {
      const chk = checkFields(c, input, i, 'insert');
      if ('error' in chk) return chk.error;
      const r = insertOne(c, chk);
      written.push({ r, action: 'insert' });
      inserted++;
      return { code: 'SUCCESS', details: successDetails(r), message: 'record added', status: 'success' };
    }
    if (mode === 'update') {
      const id = c.id ?? (typeof input.id === 'string' ? input.id : undefined);
      if (!id) return recordError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'id', json_path: `$.data[${i}].id` });
      const r = records.get(id);
      if (!r) return recordError('INVALID_DATA', 'the id given seems to be invalid', { api_name: 'id', json_path: `$.data[${i}].id` });
      if (unmodifiedSince !== undefined && r.modifiedMs > unmodifiedSince) {
        alreadyModified++;
        return recordError('ALREADY_MODIFIED', 'record updated time has already passed if-unmodified-since time', successDetails(r));
      }
      const chk = checkFields(c, input, i, 'update', r.id);
      if ('error' in chk) return chk.error;
      updateOne(c, r, chk);
      written.push({ r, action: 'update' });
      return { code: 'SUCCESS', details: successDetails(r), message: 'record updated', status: 'success' };
    }
    // upsert: the first duplicate check field with a value that matches a record decides.
    let match: CrmRecord | undefined;
    let matchedOn: string | null = null;
    for (const f of checkList) {
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
      updateOne(c, match, chk);
      written.push({ r: match, action: 'update' });
      return { code: 'SUCCESS', duplicate_field: matchedOn, action: 'update', details: successDetails(match), message: 'record updated', status: 'success' };
    }
    const chk = checkFields(c, input, i, 'insert');
    if ('error' in chk) return chk.error;
    const r = insertOne(c, chk);
    written.push({ r, action: 'insert' });
    inserted++;
    return { code: 'SUCCESS', duplicate_field: null, action: 'insert', details: successDetails(r), message: 'record added', status: 'success' };
  });
  // The answer carries the write's own Modified_Time; workflow rules change the record right after it.
  if (triggersWorkflow(trigger)) runWorkflowRules(c, written);
  const ok = results.filter((r) => r.status === 'success').length;
  // All ok: insert 201, update 200, upsert 201 when everything was inserted else 200 (GUESS for upsert).
  const allOk = mode === 'insert' || (mode === 'upsert' && inserted === results.length) ? 201 : 200;
  // Every record refused for If-Unmodified-Since: 412 (the documented example).
  const allFailed = alreadyModified === results.length ? 412 : 400;
  return { status: ok === results.length ? allOk : ok === 0 ? allFailed : c.state.config.crmMixedStatus, body: { data: results } };
}

export function deleteRecords(c: CrmCall): CrmAnswer {
  const ids = c.id ? [c.id] : (c.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw crmError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'ids' });
  if (ids.length > 100) throw crmError(400, 'LIMIT_EXCEEDED', 'the number of records exceeds the limit', { limit: 100, param_name: 'ids' });
  const records = c.state.records(c.org, c.spec.apiName);
  const results: RecordResult[] = ids.map((id) => {
    const r = records.get(id);
    if (!r) return recordError('INVALID_DATA', 'the id given seems to be invalid', { id });
    moveToRecycleBin(c, r, c.account.user);
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  const ok = results.filter((r) => r.status === 'success').length;
  return { status: ok === results.length ? 200 : ok === 0 ? 400 : c.state.config.crmMixedStatus, body: { data: results } };
}

/** A deleted record goes to the recycle bin (GET /{module}/deleted lists it until it ages out). */
export function moveToRecycleBin(c: Pick<CrmCall, 'state' | 'org' | 'spec'>, r: CrmRecord, by: UserRef): void {
  c.state.records(c.org, c.spec.apiName).delete(r.id);
  c.state.deletedRows(c.org, c.spec.apiName).push({
    id: r.id,
    display_name: c.spec.displayName(r.fields),
    deletedMs: secondOf(c.state.now()),
    deleted_by: by,
    created_by: r.createdBy,
    permanent: false,
  });
}
