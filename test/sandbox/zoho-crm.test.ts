import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { ACCOUNT, seedZohoBasics, zapi, ZCLIENT } from './zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
});

type Info = { per_page: number; count: number; page: number; more_records: boolean; next_page_token: string | null; sort_by: string; sort_order: string };
type ListBody = { data: Record<string, unknown>[]; info: Info };
type WriteBody = { data: { code: string; status: string; action?: string; duplicate_field?: string | null; message: string; details: Record<string, unknown> }[] };

async function seedContacts(records: Record<string, unknown>[]): Promise<string[]> {
  const r = await sb.control.seed<{ crm: { ids: string[] }[] }>('zoho', { crm: [{ org: 'org-1', module: 'Contacts', records }] });
  return r.crm[0]?.ids ?? [];
}

describe('CRM list /crm/v2/Contacts', () => {
  it('no records -> 204 with an empty body', async () => {
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts');
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('answers data + the info block; fields restricts the record; sort_by=Modified_Time&sort_order=asc', async () => {
    await seedContacts([
      { Last_Name: 'B', Email: 'b@x.com', Modified_Time: '2024-01-02T00:00:00+00:00' },
      { Last_Name: 'A', Email: 'a@x.com', Modified_Time: '2024-01-01T00:00:00+00:00' },
    ]);
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts?fields=Last_Name,Email&sort_by=Modified_Time&sort_order=asc&per_page=1');
    expect(r.status).toBe(200);
    const body = r.body as ListBody;
    expect(body.data).toEqual([{ Last_Name: 'A', Email: 'a@x.com', id: expect.stringMatching(/^\d{19}$/) }]);
    expect(Object.keys(body.info)).toEqual(['per_page', 'count', 'page', 'more_records', 'next_page_token', 'sort_by', 'sort_order']);
    expect(body.info).toMatchObject({ per_page: 1, count: 1, page: 1, more_records: true, sort_by: 'Modified_Time', sort_order: 'asc' });
    expect(body.info.next_page_token).toEqual(expect.any(String));
    const page2 = (await zapi(sb, 'GET', '/crm/v2/Contacts?fields=Last_Name,Email&sort_by=Modified_Time&sort_order=asc&per_page=1&page=2')).body as ListBody;
    expect(page2.data[0]?.Last_Name).toBe('B');
    expect(page2.info).toMatchObject({ more_records: false, next_page_token: null });
    const full = (await zapi(sb, 'GET', '/crm/v2/Contacts')).body as ListBody;
    expect(full.data[0]).toMatchObject({ Owner: { email: ACCOUNT.email }, Full_Name: expect.any(String), Created_Time: expect.stringMatching(/\+00:00$/), id: expect.any(String) });
    expect(full.info).toMatchObject({ per_page: 200, sort_by: 'id', sort_order: 'desc' });
  });

  it('per_page above 200 or a bad sort -> 400 INVALID_DATA', async () => {
    await seedContacts([{ Last_Name: 'A' }]);
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts?per_page=201');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'INVALID_DATA', status: 'error', details: { param_name: 'per_page' } });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts?sort_by=Last_Name')).status).toBe(400);
  });

  it('page reaches only the first 2000 records; page_token goes on, bound to the parameters, valid 24 h', async () => {
    await sb.control.seed('zoho', { crm: [{ org: 'org-1', module: 'Contacts', generate: { count: 2300 } }] });
    const q = 'fields=Last_Name&sort_by=Modified_Time&sort_order=asc&per_page=200';
    const p10 = await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page=10`);
    expect(p10.status).toBe(200);
    const b10 = p10.body as ListBody;
    expect(b10.info).toMatchObject({ page: 10, count: 200, more_records: true });
    const beyond = await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page=11`);
    expect(beyond.status).toBe(400);
    expect(beyond.body).toEqual({
      code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      details: { limit: 2000 },
      message: 'You can only get the first 2000 records without using page_token param',
      status: 'error',
    });
    // Continue from page 10 with its token.
    const token = b10.info.next_page_token ?? '';
    const p11 = await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page_token=${token}`);
    const b11 = p11.body as ListBody;
    expect(b11.info).toMatchObject({ page: 11, count: 200, more_records: true });
    const p12 = (await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page_token=${b11.info.next_page_token ?? ''}`)).body as ListBody;
    expect(p12.info).toMatchObject({ count: 100, more_records: false, next_page_token: null });
    const seen = new Set([...b10.data, ...b11.data, ...p12.data].map((r) => r.id));
    expect(seen.size).toBe(500);
    // Bound to its parameters, exclusive with page, and it expires.
    const altered = await zapi(sb, 'GET', `/crm/v2/Contacts?fields=Last_Name,Email&sort_by=Modified_Time&sort_order=asc&per_page=200&page_token=${token}`);
    expect(altered.status).toBe(400);
    expect((altered.body as { code: string }).code).toBe('TOKEN_BOUND_DATA_MISMATCH');
    const both = await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page=2&page_token=${token}`);
    expect((both.body as { code: string }).code).toBe('AMBIGUITY_DURING_PROCESSING');
    await sb.control.configure('zoho', { crmCreditsPer24h: null });
    await sb.control.advanceClock(24 * 3600 * 1000 + 1000);
    const expired = await zapi(sb, 'GET', `/crm/v2/Contacts?${q}&page_token=${token}`);
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual({ code: 'EXPIRED_VALUE', details: { api_name: 'page_token', json_path: '$.query.page_token' }, message: 'Page token expired', status: 'error' });
  });

  it('If-Modified-Since -> 304 when nothing changed, else only the records changed after it', async () => {
    await seedContacts([{ Last_Name: 'Old', Modified_Time: '2024-01-01T00:00:00+00:00' }]);
    // The header as seed 001 sends it: ISO 8601 with an offset.
    const none = await zapi(sb, 'GET', '/crm/v2/Contacts', { headers: { 'If-Modified-Since': '2024-01-01T00:00:00+00:00' } });
    expect(none.status).toBe(304);
    expect(none.text).toBe('');
    const since = new Date(Date.now() + 10_000).toUTCString();
    await sb.control.advanceClock(60_000);
    await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'New' }] } });
    const changed = await zapi(sb, 'GET', '/crm/v2/Contacts?fields=Last_Name', { headers: { 'If-Modified-Since': since } });
    expect(changed.status).toBe(200);
    expect((changed.body as ListBody).data.map((r) => r.Last_Name)).toEqual(['New']);
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts', { headers: { 'If-Modified-Since': 'yesterday-ish' } })).status).toBe(400);
  });

  it('module names resolve case-insensitively (seed 001 calls /crm/v2/deals); unknown -> 400 INVALID_MODULE', async () => {
    await sb.control.seed('zoho', { crm: [{ org: 'org-1', module: 'Deals', records: [{ Deal_Name: 'Big', Stage: 'Won' }] }] });
    expect((await zapi(sb, 'GET', '/crm/v2/deals')).status).toBe(200);
    const bad = await zapi(sb, 'GET', '/crm/v2/Widgets');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_MODULE', status: 'error' });
    expect((await zapi(sb, 'GET', '/crm/v9/Contacts')).status).toBe(404);
  });
});

describe('CRM writes', () => {
  it('insert: 201 with per-record SUCCESS details', async () => {
    const r = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'Doe', First_Name: 'Jane', Email: 'jane@x.com' }] } });
    expect(r.status).toBe(201);
    expect((r.body as WriteBody).data[0]).toEqual({
      code: 'SUCCESS',
      details: { Modified_Time: expect.any(String), Modified_By: { name: expect.any(String), id: expect.any(String) }, Created_Time: expect.any(String), id: expect.any(String), Created_By: expect.any(Object) },
      message: 'record added',
      status: 'success',
    });
  });

  it('Last_Name missing -> MANDATORY_NOT_FOUND; all failed -> 400; mixed -> 207 (configurable, e.g. 202)', async () => {
    const all = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ First_Name: 'x' }] } });
    expect(all.status).toBe(400);
    expect((all.body as WriteBody).data[0]).toEqual({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name', json_path: '$.data[0].Last_Name' }, message: 'required field not found', status: 'error' });
    const mixed = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'ok' }, { First_Name: 'bad' }] } });
    expect(mixed.status).toBe(207);
    expect((mixed.body as WriteBody).data.map((d) => d.code)).toEqual(['SUCCESS', 'MANDATORY_NOT_FOUND']);
    await sb.control.configure('zoho', { crmMixedStatus: 202 });
    expect((await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'ok' }, { First_Name: 'bad' }] } })).status).toBe(202);
  });

  it('invalid email -> INVALID_DATA; unique field clash -> DUPLICATE_DATA', async () => {
    const bad = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'x', Email: 'not-an-email' }] } });
    expect((bad.body as WriteBody).data[0]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Email', expected_data_type: 'email' } });
    await sb.control.configure('zoho', { crmUniqueFields: { Contacts: ['Email'] } });
    const dup = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'a', Email: 'same@x.com' }, { Last_Name: 'b', Email: 'SAME@x.com' }] } });
    expect(dup.status).toBe(207);
    expect((dup.body as WriteBody).data[1]).toMatchObject({ code: 'DUPLICATE_DATA', status: 'error', details: { api_name: 'Email', json_path: '$.data[1].Email', duplicate_record: { id: expect.any(String) } } });
  });

  it('more than 100 records -> 400; no data -> 400', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ Last_Name: `N${i}` }));
    const r = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: many } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 100 }, status: 'error' });
    expect((await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { nope: [] } })).status).toBe(400);
    expect((await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: many } })).status).toBe(400);
    expect((await zapi(sb, 'POST', '/crm/v2/Contacts/upsert', { body: { data: many } })).status).toBe(400);
  });

  it('update (PUT): 200, Modified_Time advances on the fake clock; unknown id -> INVALID_DATA', async () => {
    const [id] = await seedContacts([{ Last_Name: 'A' }]);
    const before = ((await zapi(sb, 'GET', `/crm/v2/Contacts/${id}`)).body as ListBody).data[0]?.Modified_Time;
    await sb.control.advanceClock(5000);
    const r = await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: [{ id, Last_Name: 'A2' }, { id: '123', Last_Name: 'x' }] } });
    expect(r.status).toBe(207);
    const body = r.body as WriteBody;
    expect(body.data[0]).toMatchObject({ code: 'SUCCESS', message: 'record updated' });
    expect(body.data[1]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'id' } });
    const after = ((await zapi(sb, 'GET', `/crm/v2/Contacts/${id}`)).body as ListBody).data[0];
    expect(after?.Last_Name).toBe('A2');
    expect(Date.parse(String(after?.Modified_Time))).toBeGreaterThanOrEqual(Date.parse(String(before)) + 5000);
    const single = await zapi(sb, 'PUT', `/crm/v2/Contacts/${id}`, { body: { data: [{ Phone: '123' }] } });
    expect(single.status).toBe(200);
    expect((await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'no id' }] } })).status).toBe(400);
  });

  it('upsert with duplicate_check_fields: updates the match, inserts the rest, tells which', async () => {
    await seedContacts([{ Last_Name: 'Known', Email: 'known@x.com' }]);
    const r = await zapi(sb, 'POST', '/crm/v2/Contacts/upsert', {
      body: { data: [{ Last_Name: 'Known2', Email: 'KNOWN@x.com' }, { Last_Name: 'Fresh', Email: 'fresh@x.com' }], duplicate_check_fields: ['Email'] },
    });
    expect(r.status).toBe(200);
    const body = r.body as WriteBody;
    expect(body.data[0]).toMatchObject({ code: 'SUCCESS', action: 'update', duplicate_field: 'Email', status: 'success' });
    expect(body.data[1]).toMatchObject({ code: 'SUCCESS', action: 'insert', duplicate_field: null });
    const st = await sb.control.state<{ crm: { Contacts: { records: { Last_Name: string }[] } } }>('zoho', { org: 'org-1', module: 'Contacts' });
    expect(st.crm.Contacts.records.map((x) => x.Last_Name).sort()).toEqual(['Fresh', 'Known2']);
    const allNew = await zapi(sb, 'POST', '/crm/v2/Contacts/upsert', { body: { data: [{ Last_Name: 'N', Email: 'n@x.com' }] } });
    expect(allNew.status).toBe(201);
  });

  it('DELETE ?ids= (<=100) and GET /Contacts/deleted?type=all', async () => {
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=all')).status).toBe(204);
    const [a, b] = await seedContacts([{ First_Name: 'Ann', Last_Name: 'A' }, { Last_Name: 'B' }]);
    const r = await zapi(sb, 'DELETE', `/crm/v2/Contacts?ids=${a},999`);
    expect(r.status).toBe(207);
    expect((r.body as WriteBody).data).toEqual([
      { code: 'SUCCESS', details: { id: a }, message: 'record deleted', status: 'success' },
      { code: 'INVALID_DATA', details: { id: '999' }, message: 'the id given seems to be invalid', status: 'error' },
    ]);
    expect((await zapi(sb, 'DELETE', `/crm/v2/Contacts?ids=${b}`)).status).toBe(200);
    const del = await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=all');
    expect(del.status).toBe(200);
    const rows = (del.body as { data: Record<string, unknown>[]; info: Record<string, unknown> }).data;
    expect(rows.map((x) => x.id).sort()).toEqual([a, b].sort());
    expect(rows.find((x) => x.id === a)).toEqual({
      deleted_by: { name: expect.any(String), id: expect.any(String) },
      id: a,
      display_name: 'Ann A',
      type: 'recycle',
      created_by: { name: expect.any(String), id: expect.any(String) },
      deleted_time: expect.stringMatching(/\+00:00$/),
    });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=permanent')).status).toBe(204);
    const tooMany = Array.from({ length: 101 }, (_, i) => String(i)).join(',');
    expect((await zapi(sb, 'DELETE', `/crm/v2/Contacts?ids=${tooMany}`)).status).toBe(400);
    expect((await zapi(sb, 'DELETE', '/crm/v2/Contacts')).status).toBe(400);
  });
});

describe('CRM auth, limits and faults', () => {
  it('bad token -> 401 INVALID_TOKEN; no header -> 401 AUTHENTICATION_FAILURE; Bearer only when acceptBearerAuth', async () => {
    const bad = await zapi(sb, 'GET', '/crm/v2/Contacts', { token: '1000.bad' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
    const none = await zapi(sb, 'GET', '/crm/v2/Contacts', { token: null });
    expect(none.status).toBe(401);
    expect((none.body as { code: string }).code).toBe('AUTHENTICATION_FAILURE');
    const bearer = { token: null, headers: { authorization: `Bearer ${ACCOUNT.accessToken}` } };
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts', bearer)).status).toBe(401);
    await sb.control.configure('zoho', { acceptBearerAuth: true });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts', bearer)).status).toBe(204);
  });

  it('a token without a CRM scope -> 401 OAUTH_SCOPE_MISMATCH', async () => {
    await sb.control.seed('zoho', { accounts: [{ id: 'desk-only', org: 'org-1', clientId: ZCLIENT.clientId, scope: 'Desk.tickets.READ', accessToken: '1000.desk.only' }] });
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts', { token: '1000.desk.only' });
    expect(r.status).toBe(401);
    expect((r.body as { code: string }).code).toBe('OAUTH_SCOPE_MISMATCH');
  });

  it('credits per rolling 24 h -> 429 TOO_MANY_REQUESTS past the budget', async () => {
    await sb.control.configure('zoho', { crmCreditsPer24h: 3 });
    for (let i = 0; i < 3; i++) expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(204);
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts');
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 'error' });
    const st = await sb.control.state<{ creditsUsed24h: number }>('zoho', { org: 'org-1' });
    expect(st.creditsUsed24h).toBe(3);
    await sb.control.advanceClock(24 * 3600 * 1000 + 60_000);
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(204);
  });

  it('concurrency per org -> 429 TOO_MANY_REQUESTS for calls over the limit', async () => {
    await sb.control.configure('zoho', { crmConcurrency: 2, crmLatencyMs: 300 });
    const all = await Promise.all(Array.from({ length: 4 }, () => zapi(sb, 'GET', '/crm/v2/Contacts')));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 204, 429, 429]);
    expect(all.find((r) => r.status === 429)?.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(204);
  });

  it('500 INTERNAL_ERROR and a connection reset through /_control/faults', async () => {
    await sb.control.armFault({
      provider: 'zoho',
      path: '/crm/v2/Contacts',
      status: 500,
      headers: { 'content-type': 'application/json' },
      body: { code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' },
    });
    const r = await zapi(sb, 'GET', '/crm/v2/Contacts');
    expect(r.status).toBe(500);
    expect((r.body as { code: string }).code).toBe('INTERNAL_ERROR');
    await sb.control.armFault({ provider: 'zoho', path: '/crm/v2/Contacts', method: 'POST', reset: true });
    await expect(zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'x' }] } })).rejects.toThrow();
    // The reset request never reached the handler: nothing was written.
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(204);
  });

  it('invalid JSON body -> 400 in the CRM shape; unknown path -> 404 INVALID_URL_PATTERN', async () => {
    const res = await fetch(`${sb.baseUrl}/zoho/api/crm/v2/Contacts`, { method: 'POST', headers: { authorization: `Zoho-oauthtoken ${ACCOUNT.accessToken}`, 'content-type': 'application/json' }, body: '{"data": [' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_DATA');
    const nf = await zapi(sb, 'GET', '/crm/v2/Contacts/1/notes/2/x');
    expect(nf.status).toBe(404);
    expect((nf.body as { code: string }).code).toBe('INVALID_URL_PATTERN');
  });
});
