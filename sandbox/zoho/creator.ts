import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { creatorError, ZohoHttpError } from './errors';
import { authenticate, hasScope } from './oauth';
import type { CreatorApp, CreatorForm, CreatorRecord, ZohoState } from './model';

/**
 * Zoho Creator REST API v2.1 (https://www.zoho.com/creator/help/api/v2.1/), mounted at
 * /zoho/api/creator/v2.1/data/{owner}/{app}/(form|report)/{name}. Errors are {"code": <number>, "description"}.
 */

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_RECORDS = new Set([200, 500, 1000]);
const AUTH_FAILURE = 'Authorization Failure. The access token is either invalid or has expired. Please check your Zoho Account for more information.';

type Params = { owner: string; app: string; name: string };

export function registerCreatorRoutes(app: FastifyInstance, state: ZohoState): void {
  const guard = (fn: (a: CreatorApp, name: string, req: FastifyRequest, reply: FastifyReply) => unknown) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const p = req.params as Params;
      try {
        const auth = authenticate(state, req.headers.authorization);
        if (!auth.ok || !hasScope(auth.token.scope, 'ZohoCreator.')) throw creatorError(401, 1030, AUTH_FAILURE);
        const cfg = state.config;
        const now = state.now();
        // Documented: 50 requests per minute per API endpoint. GUESS: code 2955 and HTTP 429 past it.
        const endpoint = `${req.method} ${req.url.split('?', 1)[0] ?? ''}`;
        if (cfg.creatorRequestsPerMinute !== null && !state.creatorMinute.tryHit(endpoint, now, 60_000, cfg.creatorRequestsPerMinute)) {
          state.counters.creatorRejected++;
          throw creatorError(429, 2955, 'You have reached the maximum number of API calls allowed per minute for this API. Please try again after some time.');
        }
        // Documented: code 4000 (with HTTP 200) once the owner's daily Developer API count is spent.
        if (cfg.creatorDailyLimit !== null && !state.creatorDay.tryHit(p.owner, now, 24 * 3600 * 1000, cfg.creatorDailyLimit)) {
          state.counters.creatorRejected++;
          throw creatorError(200, 4000, "Account's Developer API limit has been reached. Please upgrade to execute more REST API calls.");
        }
        const a = state.creatorApps.get(`${p.owner}/${p.app}`);
        if (!a) {
          const ownerKnown = [...state.creatorApps.values()].some((x) => x.owner === p.owner);
          // GUESS: 2892 for an unknown application (v1's "Specified application name is not valid").
          throw ownerKnown ? creatorError(404, 2892, `No application named "${p.app}" found.`) : creatorError(404, 1040, `No account owner named "${p.owner}" found.`);
        }
        return fn(a, p.name, req, reply);
      } catch (e) {
        if (e instanceof ZohoHttpError) return reply.code(e.httpStatus).headers(e.headers).send(e.payload);
        throw e;
      }
    };

  app.post('/api/creator/v2.1/data/:owner/:app/form/:name', guard((a, name, req, reply) => reply.code(200).send(addRecords(state, a, name, req.body))));
  app.get('/api/creator/v2.1/data/:owner/:app/report/:name', guard((a, name, req, reply) => getRecords(state, a, name, req, reply)));
}

function checkRecord(form: CreatorForm, input: Record<string, unknown>): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    const type = form.fields?.[k];
    if (form.fields && !type) errors[k] = 'Invalid field name';
    else if (type === 'email' && v !== '' && v !== null && (typeof v !== 'string' || !EMAIL_RE.test(v))) errors[k] = 'Enter a valid email address';
    else if (type === 'number' && v !== '' && v !== null && Number.isNaN(Number(v))) errors[k] = 'Enter a valid number';
  }
  for (const f of form.mandatory) {
    const v = input[f];
    if (v === undefined || v === null || v === '') errors[f] = `Enter a value for ${f}`;
  }
  return Object.keys(errors).length ? errors : undefined;
}

function addRecords(state: ZohoState, a: CreatorApp, formName: string, body: unknown): unknown {
  const form = a.forms.get(formName);
  // GUESS: 2893 for an unknown form (v1's "Specified form name is not valid").
  if (!form) throw creatorError(404, 2893, `No form named "${formName}" found.`);
  const parsed = z.object({ data: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]) }).loose().safeParse(body);
  // GUESS: HTTP 400 (the docs table lists code 1000 under 401).
  if (!parsed.success) throw creatorError(400, 1000, "A mandatory parameter - 'data' is either absent or has been used twice. Please check and try again.");
  const rows = Array.isArray(parsed.data.data) ? parsed.data.data : [parsed.data.data];
  if (rows.length > 200) throw creatorError(200, 3950, 'A maximum of 200 records can be added per request.');
  const now = state.now();
  const result = rows.map((row) => {
    const obj = z.record(z.string(), z.unknown()).safeParse(row);
    const input = obj.success ? obj.data : {};
    const errors = obj.success ? checkRecord(form, input) : { data: 'Invalid record' };
    // GUESS: the per-record failure code (3002) and its {"error": {field: text}} shape.
    if (errors) return { code: 3002, error: errors, message: 'Data not added' };
    const rec: CreatorRecord = { ID: state.nextId(), data: input, addedMs: now, modifiedMs: now };
    form.records.push(rec);
    return { code: 3000, data: { ID: rec.ID }, message: 'Data Added Successfully!' };
  });
  // GUESS: the top-level code stays 3000 while at least one record was added.
  return { code: result.some((r) => r.code === 3000) ? 3000 : 3002, result };
}

type Criterion = { field: string; op: '==' | '!='; value: string | number };

/** Creator criteria, the simple subset: Field == "value" / Field != 5, joined with &&, optional parentheses. */
export function parseCriteria(raw: string): Criterion[] | undefined {
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

function getRecords(state: ZohoState, a: CreatorApp, reportName: string, req: FastifyRequest, reply: FastifyReply): unknown {
  const formName = a.reports.get(reportName);
  // GUESS: 2894 for an unknown report (v1's "Wrong View Name specified").
  const form = formName ? a.forms.get(formName) : undefined;
  if (!form) throw creatorError(404, 2894, `No report named "${reportName}" found.`);
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
  const crit = parseCriteria(criteria);
  if (!crit) throw creatorError(400, 2945, 'Invalid criteria.');
  const rows = form.records.filter((r) => matches(r, crit));
  const slice = rows.slice(offset, offset + maxRecords);
  if (slice.length === 0) throw creatorError(400, 9280, 'No records found for the given criteria.');
  if (offset + slice.length < rows.length) {
    // The next page's key comes back as a response header, to be sent back as a request header.
    const next = state.newCreatorCursor({ key, criteria, maxRecords, offset: offset + slice.length });
    reply.header('record_cursor', next.token);
  }
  return reply.code(200).send({ code: 3000, data: slice.map((r) => ({ ID: r.ID, ...r.data })) });
}
