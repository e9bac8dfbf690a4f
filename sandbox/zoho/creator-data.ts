import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { creatorError } from './errors';
import { rewrite } from './crm-workflow';
import type { CreatorApp, CreatorForm, CreatorRecord, ZohoState } from './model';

/**
 * Zoho Creator v2.1 record calls (https://www.zoho.com/creator/help/api/v2.1/): add (form), get / update /
 * delete by ID or by criteria (report). At most 200 records per add, update or delete.
 */

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_RECORDS = new Set([200, 500, 1000]);
const PER_CALL = 200;
const NO_RECORDS = 'No records found for the given criteria.';

const SKIP_WORKFLOW = ['form_workflow', 'schedules', 'all'] as const;

function checkRecord(form: CreatorForm, input: Record<string, unknown>, partial: boolean): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    const type = form.fields?.[k];
    if (form.fields && !type) errors[k] = 'Invalid field name';
    else if (type === 'email' && v !== '' && v !== null && (typeof v !== 'string' || !EMAIL_RE.test(v))) errors[k] = 'Enter a valid email address';
    else if (type === 'number' && v !== '' && v !== null && Number.isNaN(Number(v))) errors[k] = 'Enter a valid number';
  }
  for (const f of form.mandatory) {
    if (partial && !(f in input)) continue;
    const v = input[f];
    if (v === undefined || v === null || v === '') errors[f] = `Enter a value for ${f}`;
  }
  return Object.keys(errors).length ? errors : undefined;
}

/** skip_workflow: ["form_workflow"] or ["all"] keeps the app's form workflows (config creatorWorkflowRules) from running. */
function parseSkip(raw: unknown): Set<string> {
  const r = z.array(z.enum(SKIP_WORKFLOW)).optional().safeParse(raw);
  if (!r.success) throw creatorError(400, 2945, `Invalid value for skip_workflow. Allowed values are ${SKIP_WORKFLOW.join(', ')}.`);
  return new Set(r.data ?? []);
}

/** The app's form workflows ("on add/edit: set a field"), unless skipped; they run right after the write. */
function runFormWorkflows(state: ZohoState, a: CreatorApp, form: CreatorForm, rec: CreatorRecord, on: 'add' | 'edit', skip: Set<string>): void {
  if (skip.has('form_workflow') || skip.has('all')) return;
  for (const rule of state.config.creatorWorkflowRules) {
    if (rule.app !== `${a.owner}/${a.app}` || rule.form !== form.name || !rule.on.includes(on)) continue;
    const next = rewrite(rule.action, rec.data[rule.field], rule.value);
    if (next !== rec.data[rule.field]) rec.data[rule.field] = next;
  }
}

const formOf = (a: CreatorApp, name: string): CreatorForm => {
  const form = a.forms.get(name);
  // GUESS: 2893 for an unknown form (v1's "Specified form name is not valid").
  if (!form) throw creatorError(404, 2893, `No form named "${name}" found.`);
  return form;
};

const reportForm = (a: CreatorApp, report: string): CreatorForm => {
  const formName = a.reports.get(report);
  const form = formName ? a.forms.get(formName) : undefined;
  // GUESS: 2894 for an unknown report (v1's "Wrong View Name specified").
  if (!form) throw creatorError(404, 2894, `No report named "${report}" found.`);
  return form;
};

export function addRecords(state: ZohoState, a: CreatorApp, formName: string, body: unknown): unknown {
  const form = formOf(a, formName);
  const parsed = z.object({ data: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]), skip_workflow: z.unknown().optional() }).loose().safeParse(body);
  // GUESS: HTTP 400 (the docs table lists code 1000 under 401).
  if (!parsed.success) throw creatorError(400, 1000, "A mandatory parameter - 'data' is either absent or has been used twice. Please check and try again.");
  const rows = Array.isArray(parsed.data.data) ? parsed.data.data : [parsed.data.data];
  if (rows.length > PER_CALL) throw creatorError(200, 3950, 'A maximum of 200 records can be added per request.');
  const skip = parseSkip(parsed.data.skip_workflow);
  const now = state.now();
  const result = rows.map((row) => {
    const obj = z.record(z.string(), z.unknown()).safeParse(row);
    const input = obj.success ? obj.data : {};
    const errors = obj.success ? checkRecord(form, input, false) : { data: 'Invalid record' };
    // GUESS: the per-record failure code (3002) and its {"error": {field: text}} shape.
    if (errors) return { code: 3002, error: errors, message: 'Data not added' };
    const rec: CreatorRecord = { ID: state.nextId(), data: { ...input }, addedMs: now, modifiedMs: now };
    form.records.push(rec);
    runFormWorkflows(state, a, form, rec, 'add', skip);
    return { code: 3000, data: { ID: rec.ID }, message: 'Data Added Successfully!' };
  });
  // GUESS: the top-level code stays 3000 while at least one record was added.
  return { code: result.some((r) => r.code === 3000) ? 3000 : 3002, result };
}

type Criterion = { field: string; op: '==' | '!='; value: string | number };

/** Creator criteria, the simple subset: Field == "value" / Field != 5, joined with &&, optional parentheses. */
function parseCriteria(raw: string): Criterion[] | undefined {
  let s = raw.trim();
  while (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1).trim();
  if (s === '') return [];
  const out: Criterion[] = [];
  for (let part of s.split('&&')) {
    part = part.trim();
    while (part.startsWith('(') && part.endsWith(')')) part = part.slice(1, -1).trim();
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?))$/.exec(part);
    if (!m?.[1] || !m[2]) return undefined;
    const value = m[3] ?? m[4] ?? Number(m[5]);
    out.push({ field: m[1], op: m[2] as '==' | '!=', value });
  }
  return out;
}

const matches = (r: CreatorRecord, crit: Criterion[]): boolean =>
  crit.every((c) => {
    const v = c.field === 'ID' ? r.ID : r.data[c.field];
    const eq = typeof c.value === 'number' ? Number(v) === c.value : String(v ?? '') === c.value;
    return c.op === '==' ? eq : !eq;
  });

function matching(form: CreatorForm, criteria: string): CreatorRecord[] {
  const crit = parseCriteria(criteria);
  if (!crit) throw creatorError(400, 2945, 'Invalid criteria.');
  return form.records.filter((r) => matches(r, crit));
}

const render = (r: CreatorRecord): Record<string, unknown> => ({ ID: r.ID, ...r.data });

export function getRecords(state: ZohoState, a: CreatorApp, reportName: string, req: FastifyRequest, reply: FastifyReply): unknown {
  const form = reportForm(a, reportName);
  const q = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
  const key = `${a.owner}/${a.app}/${reportName}`;
  const cursorHeader = req.headers.record_cursor;
  let criteria = q.get('criteria') ?? '';
  let maxRecords = Number(q.get('max_records') ?? 200);
  let offset = 0;
  if (typeof cursorHeader === 'string' && cursorHeader !== '') {
    const cur = state.creatorCursors.get(cursorHeader);
    // GUESS: a cursor the server never issued (or of another report) is an invalid parameter, code 2945.
    if (!cur || cur.key !== key) throw creatorError(400, 2945, 'Invalid value for record_cursor.');
    ({ criteria, maxRecords, offset } = cur);
  } else if (!MAX_RECORDS.has(maxRecords)) {
    throw creatorError(400, 2945, 'Invalid value for max_records. Allowed values are 200, 500 and 1000.');
  }
  const rows = matching(form, criteria);
  const slice = rows.slice(offset, offset + maxRecords);
  if (slice.length === 0) throw creatorError(400, 9280, NO_RECORDS);
  if (offset + slice.length < rows.length) {
    // The next page's key comes back as a response header, to be sent back as a request header.
    const next = state.newCreatorCursor({ key, criteria, maxRecords, offset: offset + slice.length });
    reply.header('record_cursor', next.token);
  }
  return reply.code(200).send({ code: 3000, data: slice.map(render) });
}

function byId(form: CreatorForm, id: string): CreatorRecord {
  const r = form.records.find((x) => x.ID === id);
  // GUESS: an unknown ID answers like an empty criteria match (9280).
  if (!r) throw creatorError(400, 9280, NO_RECORDS);
  return r;
}

export function getRecord(a: CreatorApp, reportName: string, id: string): unknown {
  return { code: 3000, data: render(byId(reportForm(a, reportName), id)) };
}

const bulkBody = z.object({ criteria: z.string().optional(), data: z.unknown().optional(), skip_workflow: z.unknown().optional(), process_until_limit: z.unknown().optional() }).loose();

/** The records a bulk update/delete acts on: at most 200, unless process_until_limit takes the first 200. */
function bulkTargets(form: CreatorForm, body: z.infer<typeof bulkBody>, query: URLSearchParams): { targets: CreatorRecord[]; more: boolean; limited: boolean } {
  const rows = matching(form, body.criteria ?? query.get('criteria') ?? '');
  if (rows.length === 0) throw creatorError(400, 9280, NO_RECORDS);
  const limited = body.process_until_limit === true || query.get('process_until_limit') === 'true';
  if (rows.length > PER_CALL && !limited) {
    throw creatorError(200, 3960, 'A maximum of 200 records can be processed per request. Include the "process_until_limit" parameter to process the first 200 records.');
  }
  return { targets: rows.slice(0, PER_CALL), more: rows.length > PER_CALL, limited };
}

function updateOne(state: ZohoState, a: CreatorApp, form: CreatorForm, r: CreatorRecord, data: unknown, skip: Set<string>): Record<string, unknown> {
  const obj = z.record(z.string(), z.unknown()).safeParse(data);
  const errors = obj.success ? checkRecord(form, obj.data, true) : { data: 'Invalid record' };
  if (errors || !obj.success) return { code: 3002, error: errors, message: 'Data not updated' };
  Object.assign(r.data, obj.data);
  r.modifiedMs = state.now();
  runFormWorkflows(state, a, form, r, 'edit', skip);
  return { code: 3000, data: { ID: r.ID }, message: 'Data Updated Successfully!' };
}

export function updateRecord(state: ZohoState, a: CreatorApp, reportName: string, id: string, body: unknown): unknown {
  const form = reportForm(a, reportName);
  const b = bulkBody.safeParse(body);
  if (!b.success || b.data.data === undefined) throw creatorError(400, 1000, "A mandatory parameter - 'data' is either absent or has been used twice. Please check and try again.");
  return updateOne(state, a, form, byId(form, id), b.data.data, parseSkip(b.data.skip_workflow));
}

export function updateRecords(state: ZohoState, a: CreatorApp, reportName: string, body: unknown, query: URLSearchParams): unknown {
  const form = reportForm(a, reportName);
  const b = bulkBody.safeParse(body);
  if (!b.success || b.data.data === undefined) throw creatorError(400, 1000, "A mandatory parameter - 'data' is either absent or has been used twice. Please check and try again.");
  const skip = parseSkip(b.data.skip_workflow);
  const { targets, more, limited } = bulkTargets(form, b.data, query);
  const result = targets.map((r) => updateOne(state, a, form, r, b.data.data, skip));
  return { code: 3000, result, ...(limited ? { more_records: more } : {}) };
}

function deleteOne(form: CreatorForm, r: CreatorRecord): Record<string, unknown> {
  form.records.splice(form.records.indexOf(r), 1);
  return { code: 3000, data: { ID: r.ID }, message: 'Data Deleted Successfully!' };
}

export function deleteRecord(a: CreatorApp, reportName: string, id: string): unknown {
  const form = reportForm(a, reportName);
  return deleteOne(form, byId(form, id));
}

export function deleteRecords(a: CreatorApp, reportName: string, body: unknown, query: URLSearchParams): unknown {
  const form = reportForm(a, reportName);
  const b = bulkBody.safeParse(body ?? {});
  if (!b.success) throw creatorError(400, 2945, 'Invalid request body.');
  parseSkip(b.data.skip_workflow);
  const { targets, more, limited } = bulkTargets(form, b.data, query);
  return { code: 3000, result: targets.map((r) => deleteOne(form, r)), ...(limited ? { more_records: more } : {}) };
}
