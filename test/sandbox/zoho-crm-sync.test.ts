import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { ACCOUNT, seedZohoBasics, zapi, zcontrol } from './zoho-fixtures';

/** The CRM behaviours a two-way contact sync meets: v3+ lists, owners, workflow echoes, conditional updates, the recycle bin. */
const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
});

type Info = Record<string, unknown> & { next_page_token: string | null; more_records: boolean; count: number };
type ListBody = { data: Record<string, unknown>[]; info: Info };
type WriteBody = { data: { code: string; status: string; action?: string; message: string; details: Record<string, unknown> }[] };
type UsersBody = { users: { id: string; full_name: string; email: string; status: string }[]; info: Info };
const DAY = 24 * 3600 * 1000;

async function seedContacts(records: Record<string, unknown>[]): Promise<string[]> {
  const r = await sb.control.seed<{ crm: { ids: string[] }[] }>('zoho', { crm: [{ org: 'org-1', module: 'Contacts', records }] });
  return r.crm[0]?.ids ?? [];
}

/** The seeded access token lives 30 days: hand out another after a long clock jump. */
async function freshToken(): Promise<string> {
  const token = `1000.access.${Date.now()}`;
  await sb.control.seed('zoho', { accounts: [{ id: ACCOUNT.id, org: 'org-1', accessToken: token }] });
  return token;
}

async function getContact(id: string): Promise<Record<string, unknown>> {
  const r = await zapi(sb, 'GET', `/crm/v2/Contacts/${id}`);
  return (r.body as ListBody).data[0] ?? {};
}

describe('CRM v3 and later', () => {
  it('list calls require fields (at most 50); info carries the page-token fields; v8 answers too', async () => {
    await seedContacts([{ Last_Name: 'A' }, { Last_Name: 'B' }]);
    const none = await zapi(sb, 'GET', '/crm/v3/Contacts');
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' }, message: 'required param is missing', status: 'error' });
    const many = Array.from({ length: 51 }, (_, i) => `F${i}`).join(',');
    const tooMany = await zapi(sb, 'GET', `/crm/v3/Contacts?fields=${many}`);
    expect(tooMany.body).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 50, param_name: 'fields' } });
    const ok = await zapi(sb, 'GET', '/crm/v3/Contacts?fields=Last_Name&per_page=1');
    const info = (ok.body as ListBody).info;
    expect(info).toMatchObject({ more_records: true, previous_page_token: null, page_token_expiry: expect.stringMatching(/\+00:00$/) });
    expect((await zapi(sb, 'GET', '/crm/v8/Contacts?fields=Last_Name')).status).toBe(200);
    expect((await zapi(sb, 'GET', '/crm/v9/Contacts?fields=Last_Name')).status).toBe(404);
    // v2 lists need no fields.
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts')).status).toBe(200);
  });

  it('page_token reaches crmMaxTokenRecords (100,000) records at most -> PAGINATION_LIMIT_EXCEEDED', async () => {
    await sb.control.configure('zoho', { crmMaxDiscreteRecords: 200, crmMaxTokenRecords: 400 });
    await sb.control.seed('zoho', { crm: [{ org: 'org-1', module: 'Contacts', generate: { count: 500 } }] });
    const q = 'fields=Last_Name&sort_by=id&sort_order=asc&per_page=200';
    const p1 = (await zapi(sb, 'GET', `/crm/v3/Contacts?${q}`)).body as ListBody;
    expect((await zapi(sb, 'GET', `/crm/v3/Contacts?${q}&page=2`)).body).toMatchObject({ code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED', details: { limit: 200 } });
    const p2 = (await zapi(sb, 'GET', `/crm/v3/Contacts?${q}&page_token=${p1.info.next_page_token ?? ''}`)).body as ListBody;
    expect(p2.info.count).toBe(200);
    const p3 = await zapi(sb, 'GET', `/crm/v3/Contacts?${q}&page_token=${p2.info.next_page_token ?? ''}`);
    expect(p3.status).toBe(400);
    expect(p3.body).toMatchObject({ code: 'PAGINATION_LIMIT_EXCEEDED', details: { param_name: 'page_token' } });
  });

  it('crmV2PageToken=false: v2 ends at the discrete limit without a token; v3 still pages on', async () => {
    await sb.control.configure('zoho', { crmV2PageToken: false, crmMaxDiscreteRecords: 2 });
    await seedContacts([{ Last_Name: 'A' }, { Last_Name: 'B' }, { Last_Name: 'C' }]);
    const v2 = (await zapi(sb, 'GET', '/crm/v2/Contacts?per_page=2')).body as ListBody;
    expect(v2.info).toMatchObject({ more_records: true, next_page_token: null });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts?per_page=2&page_token=x')).status).toBe(400);
    const v3 = (await zapi(sb, 'GET', '/crm/v3/Contacts?fields=Last_Name&per_page=2')).body as ListBody;
    expect(v3.info.next_page_token).toEqual(expect.any(String));
  });
});

describe('users and record owners', () => {
  it('GET /users?type=ActiveUsers lists the org users; Owner on a write must name an active one', async () => {
    const seeded = await sb.control.seed<{ crmUsers: { id: string }[] }>('zoho', {
      crmUsers: [
        { org: 'org-1', name: 'Second User', email: 'second@example.com' },
        { org: 'org-1', name: 'Gone User', email: 'gone@example.com', status: 'disabled' },
      ],
    });
    const [second, gone] = seeded.crmUsers;
    const active = (await zapi(sb, 'GET', '/crm/v2/users?type=ActiveUsers')).body as UsersBody;
    expect(active.users.map((u) => u.email).sort()).toEqual([ACCOUNT.email, 'second@example.com']);
    expect(active.users[0]).toMatchObject({ status: 'active', full_name: expect.any(String), id: expect.stringMatching(/^\d+$/) });
    const all = (await zapi(sb, 'GET', '/crm/v3/users?type=AllUsers')).body as UsersBody;
    expect(all.users).toHaveLength(3);
    expect((await zapi(sb, 'GET', '/crm/v2/users?type=Nobody')).status).toBe(400);

    const w = await zapi(sb, 'POST', '/crm/v2/Contacts', {
      body: { data: [{ Last_Name: 'Owned', Owner: { id: second?.id } }, { Last_Name: 'Bad', Owner: { id: gone?.id } }, { Last_Name: 'Mine' }], trigger: [] },
    });
    expect(w.status).toBe(207);
    const results = (w.body as WriteBody).data;
    expect(results.map((r) => r.code)).toEqual(['SUCCESS', 'INVALID_DATA', 'SUCCESS']);
    expect(results[1]?.details).toMatchObject({ api_name: 'Owner', json_path: '$.data[1].Owner' });
    expect((await getContact(String(results[0]?.details.id))).Owner).toEqual({ name: 'Second User', id: second?.id, email: 'second@example.com' });
    expect(((await getContact(String(results[2]?.details.id))).Owner as { email: string }).email).toBe(ACCOUNT.email);
    // Seeds may name the owner by email.
    const [id] = await seedContacts([{ Last_Name: 'Seeded', Owner: 'second@example.com' }]);
    expect(((await getContact(id ?? '')).Owner as { id: string }).id).toBe(second?.id);
  });
});

describe('workflow rules and trigger', () => {
  it('without trigger the org workflow rewrites the record after the write and moves Modified_Time; trigger: [] runs none', async () => {
    const plain = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'Echo', Title: 'engineer' }] } });
    const d = (plain.body as WriteBody).data[0]?.details ?? {};
    const stored = await getContact(String(d.id));
    expect(stored.Title).toBe('ENGINEER');
    expect(Date.parse(String(stored.Modified_Time))).toBeGreaterThan(Date.parse(String(d.Modified_Time)));
    const quiet = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'Quiet', Title: 'engineer' }], trigger: [] } });
    const q = (quiet.body as WriteBody).data[0]?.details ?? {};
    const storedQuiet = await getContact(String(q.id));
    expect(storedQuiet.Title).toBe('engineer');
    expect(storedQuiet.Modified_Time).toBe(q.Modified_Time);
    const upd = await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: [{ id: q.id, Title: 'lead' }], trigger: ['workflow'] } });
    expect(upd.status).toBe(200);
    expect((await getContact(String(q.id))).Title).toBe('LEAD');
    expect((await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'X' }], trigger: ['nope'] } })).status).toBe(400);
  });

  it('rules are configurable: append to Description on update only', async () => {
    await sb.control.configure('zoho', { crmWorkflowRules: [{ module: 'Contacts', field: 'Description', action: 'append', value: ' [wf]', on: ['update'] }] });
    const [id] = await seedContacts([{ Last_Name: 'A', Description: 'note' }]);
    await zapi(sb, 'PUT', '/crm/v2/Contacts/upsert'.replace('/upsert', ''), { body: { data: [{ id, Description: 'note 2' }] } });
    expect((await getContact(id ?? '')).Description).toBe('note 2 [wf]');
    const st = await sb.control.state<{ counters: { crmWorkflowRuns: number } }>('zoho');
    expect(st.counters.crmWorkflowRuns).toBe(1);
  });
});

describe('conditional updates and unique fields', () => {
  it('If-Unmodified-Since: a record changed after it -> ALREADY_MODIFIED (412 when every record is); mixed -> 207', async () => {
    const [a, b] = await seedContacts([
      { Last_Name: 'A', Modified_Time: '2024-03-01T10:00:00+00:00' },
      { Last_Name: 'B', Modified_Time: '2024-01-01T10:00:00+00:00' },
    ]);
    const headers = { 'If-Unmodified-Since': '2024-02-01T00:00:00+00:00' };
    const stale = await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: [{ id: a, Last_Name: 'A2' }], trigger: [] }, headers });
    expect(stale.status).toBe(412);
    expect((stale.body as WriteBody).data[0]).toMatchObject({
      code: 'ALREADY_MODIFIED',
      status: 'error',
      message: 'record updated time has already passed if-unmodified-since time',
      details: { id: a, Modified_Time: '2024-03-01T10:00:00+00:00' },
    });
    expect((await getContact(a ?? '')).Last_Name).toBe('A');
    const mixed = await zapi(sb, 'PUT', '/crm/v2/Contacts', { body: { data: [{ id: a, Last_Name: 'A2' }, { id: b, Last_Name: 'B2' }], trigger: [] }, headers });
    expect(mixed.status).toBe(207);
    expect((mixed.body as WriteBody).data.map((r) => r.code)).toEqual(['ALREADY_MODIFIED', 'SUCCESS']);
  });

  it('duplicate_check_fields takes system and org-unique fields (a custom link-id field); others -> 400', async () => {
    await sb.control.configure('zoho', { crmUniqueFields: { Contacts: ['Switchyard_Id'] } });
    const [id] = await seedContacts([{ Last_Name: 'Linked', Switchyard_Id: 'link-1', Email: 'l@x.com' }]);
    const up = await zapi(sb, 'POST', '/crm/v2/Contacts/upsert', { body: { data: [{ Last_Name: 'Linked 2', Switchyard_Id: 'link-1' }], duplicate_check_fields: ['Switchyard_Id'], trigger: [] } });
    expect((up.body as WriteBody).data[0]).toMatchObject({ action: 'update', duplicate_field: 'Switchyard_Id', details: { id } });
    const bad = await zapi(sb, 'POST', '/crm/v2/Contacts/upsert', { body: { data: [{ Last_Name: 'X', Phone: '1' }], duplicate_check_fields: ['Phone'], trigger: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Phone' } });
    const dup = await zapi(sb, 'POST', '/crm/v2/Contacts', { body: { data: [{ Last_Name: 'Y', Switchyard_Id: 'link-1' }], trigger: [] } });
    expect((dup.body as WriteBody).data[0]).toMatchObject({ code: 'DUPLICATE_DATA', details: { api_name: 'Switchyard_Id', duplicate_record: { id } } });
  });
});

describe('recycle bin and changes made in the UI', () => {
  it('deleted records are listed as recycle, then age out after crmRecycleBinRetentionDays (gone by default)', async () => {
    const [a] = await seedContacts([{ Last_Name: 'A' }]);
    expect((await zapi(sb, 'DELETE', `/crm/v2/Contacts?ids=${a}`)).status).toBe(200);
    const recycle = (await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=recycle')).body as ListBody;
    expect(recycle.data).toEqual([{ deleted_by: { name: expect.any(String), id: expect.any(String) }, id: a, display_name: 'A', type: 'recycle', created_by: expect.any(Object), deleted_time: expect.any(String) }]);
    await sb.control.advanceClock(59 * DAY);
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=all', { token: await freshToken() })).status).toBe(200);
    await sb.control.advanceClock(2 * DAY);
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=all', { token: await freshToken() })).status).toBe(204);
  });

  it("crmAgedOutDeleted 'permanent' keeps aged-out rows as type permanent, without names; a UI permanent delete too", async () => {
    await sb.control.configure('zoho', { crmAgedOutDeleted: 'permanent', crmRecycleBinRetentionDays: 30 });
    const [a, b] = await seedContacts([{ Last_Name: 'A' }, { Last_Name: 'B' }]);
    await zapi(sb, 'DELETE', `/crm/v2/Contacts?ids=${a}`);
    await sb.control.advanceClock(31 * DAY);
    await zcontrol(sb, '/zoho/crm/delete', { org: 'org-1', ids: [b], permanent: true });
    const token = await freshToken();
    const perm = (await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=permanent', { token })).body as ListBody;
    expect(perm.data.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(perm.data[0]).toMatchObject({ type: 'permanent', display_name: null, deleted_by: null, created_by: null });
    expect((await zapi(sb, 'GET', '/crm/v2/Contacts/deleted?type=recycle', { token })).status).toBe(204);
  });

  it('UI edits move Modified_Time and Modified_By, spend no credit, run no workflow', async () => {
    await sb.control.seed('zoho', { crmUsers: [{ org: 'org-1', name: 'Other Person', email: 'other@example.com' }] });
    const [a] = await seedContacts([{ Last_Name: 'A', Title: 'x', Modified_Time: '2024-01-01T00:00:00+00:00' }]);
    const before = await sb.control.state<{ creditsUsed24h: number }>('zoho', { org: 'org-1' });
    await zcontrol(sb, '/zoho/crm/edit', { org: 'org-1', id: a, fields: { Title: 'cto' }, by: 'other@example.com' });
    const after = await sb.control.state<{ creditsUsed24h: number }>('zoho', { org: 'org-1' });
    expect(after.creditsUsed24h).toBe(before.creditsUsed24h);
    const r = await getContact(a ?? '');
    expect(r).toMatchObject({ Title: 'cto', Modified_By: { email: 'other@example.com' } });
    expect(r.Modified_Time).not.toBe('2024-01-01T00:00:00+00:00');
    await expect(zcontrol(sb, '/zoho/crm/edit', { org: 'org-1', id: '1', fields: {} })).rejects.toThrow(/400/);
  });
});
