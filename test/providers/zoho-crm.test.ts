import { describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { zohoApiDomain } from '../../providers/zoho/api';
import { ZohoCrmClient, type ZohoCrmOptions } from '../../providers/zoho/crm';
import type { ZohoContact } from '../../providers/zoho/types';
import type { RunningSandbox } from '../helpers/sandbox';
import { providerFailure } from './secrets';
import { useSandbox } from '../sandbox/use-sandbox';
import { ACCOUNT, seedZohoBasics } from '../sandbox/zoho-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedZohoBasics(sb);
});

const FIELDS = ['First_Name', 'Last_Name', 'Email', 'Title', 'Switchyard_Id', 'Modified_Time'];

function client(over: Partial<ZohoCrmOptions> = {}): ZohoCrmClient {
  return new ZohoCrmClient({ apiDomain: `${sb.baseUrl}/zoho/api`, accessToken: async () => ACCOUNT.accessToken, retry: { attempts: 3, maxWaitMs: 5000, baseDelayMs: 50 }, ...over });
}

const failure = (p: Promise<unknown>): Promise<ProviderError> => providerFailure(p, () => [ACCOUNT.accessToken], /Zoho-oauthtoken/i);

async function seedContacts(records: Record<string, unknown>[]): Promise<string[]> {
  const r = await sb.control.seed<{ crm: { ids: string[] }[] }>('zoho', { crm: [{ org: 'org-1', module: 'Contacts', records }] });
  return r.crm[0]?.ids ?? [];
}

async function all(c: ZohoCrmClient, q: Parameters<ZohoCrmClient['listAll']>[0]): Promise<ZohoContact[]> {
  const out: ZohoContact[] = [];
  for await (const p of c.listAll(q)) out.push(...p.records);
  return out;
}

describe('listing contacts', () => {
  it.each(['v2', 'v3'])('%s: pages with `page` to 2,000 records, then with page_token, to the end', async (version) => {
    await sb.control.seed('zoho', { crm: [{ org: 'org-1', module: 'Contacts', generate: { count: 2300 } }] });
    const records = await all(client({ version }), { fields: FIELDS, sortBy: 'Modified_Time', sortOrder: 'asc' });
    expect(records).toHaveLength(2300);
    expect(new Set(records.map((r) => r.id)).size).toBe(2300);
    const urls = (await sb.control.requests({ provider: 'zoho', path: `/crm/${version}/Contacts` })).map((r) => new URLSearchParams(r.url.split('?')[1]));
    expect(urls.map((q) => q.get('page'))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', null, null]);
    expect(urls.slice(10).every((q) => q.get('page_token'))).toBe(true);
    expect(urls.every((q) => q.get('fields') === FIELDS.join(',') && q.get('sort_by') === 'Modified_Time')).toBe(true);
  });

  it('nothing to list -> no records; If-Modified-Since -> only changes, or notModified (304)', async () => {
    const c = client();
    expect(await c.listPage({ fields: FIELDS })).toEqual({ records: [], info: null, notModified: false });
    await seedContacts([
      { Last_Name: 'Old', Modified_Time: '2024-01-01T00:00:00+00:00' },
      { Last_Name: 'New', Modified_Time: '2024-03-01T00:00:00+00:00' },
    ]);
    const changed = await c.listPage({ fields: FIELDS, modifiedSince: '2024-02-01T00:00:00+00:00' });
    expect(changed.records.map((r) => r.Last_Name)).toEqual(['New']);
    expect(await c.listPage({ fields: FIELDS, modifiedSince: '2024-04-01T00:00:00+00:00' })).toMatchObject({ records: [], notModified: true });
  });

  it('an expired page token is CursorExpired; a page past 2,000 without a token is Invalid', async () => {
    await sb.control.configure('zoho', { crmMaxDiscreteRecords: 2 });
    await seedContacts([{ Last_Name: 'A' }, { Last_Name: 'B' }, { Last_Name: 'C' }]);
    const c = client();
    const first = await c.listPage({ fields: FIELDS, perPage: 2 });
    const token = first.info?.next_page_token ?? '';
    await sb.control.advanceClock(25 * 3600 * 1000);
    const e = await failure(c.listPage({ fields: FIELDS, perPage: 2 }, { pageToken: token }));
    expect(e.kind).toBe(FailureType.CursorExpired);
    expect(e.details).toMatchObject({ status: 400, code: 'EXPIRED_VALUE' });
    const past = await failure(c.listPage({ fields: FIELDS, perPage: 2 }, { page: 2 }));
    expect(past).toMatchObject({ kind: FailureType.Invalid, details: { code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED' } });
  });

  it('deleted records and users', async () => {
    const ids = await seedContacts([{ Last_Name: 'A' }, { Last_Name: 'B' }]);
    const c = client();
    await c.delete(ids);
    const deleted = [];
    for await (const p of c.listDeleted({ type: 'all' })) deleted.push(...p.records);
    expect(deleted.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(deleted[0]).toMatchObject({ type: 'recycle', deleted_time: expect.any(String) });
    await sb.control.seed('zoho', { crmUsers: [{ org: 'org-1', name: 'Second User', email: 'second@example.com' }] });
    const users = await c.users();
    expect(users.map((u) => u.email).sort()).toEqual([ACCOUNT.email, 'second@example.com']);
    expect(users[0]).toMatchObject({ id: expect.any(String), name: expect.any(String), status: 'active' });
  });
});

describe('writes', () => {
  it('insert, update, upsert and delete answer per record; trigger: [] always, so workflow rules never rewrite', async () => {
    await sb.control.configure('zoho', { crmUniqueFields: { Contacts: ['Switchyard_Id'] } });
    const c = client({ version: 'v3' });
    const ins = await c.insert([{ Last_Name: 'Ann', Title: 'engineer', Switchyard_Id: 'l1' }, { First_Name: 'No last name' }]);
    expect(ins[0]).toMatchObject({ index: 0, ok: true, id: expect.any(String), modifiedTime: expect.any(String) });
    expect(ins[1]).toMatchObject({ index: 1, ok: false, details: { api_name: 'Last_Name' } });
    expect(ins[1] && !ins[1].ok ? ins[1].error : undefined).toMatchObject({ kind: FailureType.Invalid, details: { code: 'MANDATORY_NOT_FOUND' } });
    const id = ins[0]?.ok ? ins[0].id : '';
    const sent = await sb.control.requests({ provider: 'zoho', method: 'POST', path: '/crm/v3/Contacts' });
    expect((sent[0]?.body as { trigger: unknown }).trigger).toEqual([]);
    const [stored] = (await c.listPage({ fields: FIELDS })).records;
    expect(stored?.Title).toBe('engineer');
    const up = await c.upsert([{ Last_Name: 'Ann B', Switchyard_Id: 'l1' }, { Last_Name: 'Cy', Switchyard_Id: 'l2' }], ['Switchyard_Id']);
    expect(up.map((u) => (u.ok ? u.action : 'error'))).toEqual(['update', 'insert']);
    expect(up[0]).toMatchObject({ ok: true, id });
    const upd = await c.update([{ id, Title: 'cto' }]);
    expect(upd[0]).toMatchObject({ ok: true, id });
    const del = await c.delete([id, '1']);
    expect(del.map((d) => d.ok)).toEqual([true, false]);
  });

  it('update with ifUnmodifiedSince: a record changed since is a Conflict outcome; nothing is resent', async () => {
    const [id] = await seedContacts([{ Last_Name: 'A', Modified_Time: '2024-03-01T00:00:00+00:00' }]);
    const c = client();
    const [r] = await c.update([{ id, Last_Name: 'Mine' }], { ifUnmodifiedSince: '2024-02-01T00:00:00+00:00' });
    expect(r?.ok).toBe(false);
    const err = r && !r.ok ? r.error : undefined;
    expect(err).toMatchObject({ kind: FailureType.Conflict, details: { code: 'ALREADY_MODIFIED', status: 412 } });
    expect(await sb.control.requests({ provider: 'zoho', method: 'PUT' })).toHaveLength(1);
  });

  it('more than 100 records is Invalid before any request', async () => {
    const c = client();
    const many = Array.from({ length: 101 }, (_, i) => ({ Last_Name: `N${i}` }));
    expect((await failure(c.insert(many))).kind).toBe(FailureType.Invalid);
    expect((await failure(c.upsert(many, ['Email']))).kind).toBe(FailureType.Invalid);
    expect((await failure(c.delete(many.map((_, i) => String(i))))).kind).toBe(FailureType.Invalid);
    expect(await sb.control.requests({ provider: 'zoho' })).toHaveLength(0);
  });
});

describe('errors, retries and limits', () => {
  const tooMany = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'too many', status: 'error' };

  it('a 429 with Retry-After is retried within the budget, then surfaced as RateLimited', async () => {
    await seedContacts([{ Last_Name: 'A' }]);
    await sb.control.armFault({ provider: 'zoho', path: '/crm/v2/Contacts', status: 429, retryAfter: 1, body: tooMany });
    expect((await client().listPage({ fields: FIELDS })).records).toHaveLength(1);
    await sb.control.armFault({ provider: 'zoho', path: '/crm/v2/Contacts', status: 429, retryAfter: 1, body: tooMany, times: 5 });
    const e = await failure(client({ retry: { attempts: 2, maxWaitMs: 5000 } }).listPage({ fields: FIELDS }));
    expect(e).toMatchObject({ kind: FailureType.RateLimited, details: { status: 429, code: 'TOO_MANY_REQUESTS', retryAfterMs: 1000 } });
  });

  it("the org's credit budget -> RateLimited; a write's 500 is not resent", async () => {
    await sb.control.configure('zoho', { crmCreditsPer24h: 1 });
    const c = client({ retry: { attempts: 2, maxWaitMs: 500, baseDelayMs: 10 } });
    await c.listPage({ fields: FIELDS });
    expect((await failure(c.listPage({ fields: FIELDS }))).kind).toBe(FailureType.RateLimited);
    await sb.control.configure('zoho', { crmCreditsPer24h: null });
    await sb.control.armFault({ provider: 'zoho', path: '/crm/v2/Contacts', method: 'POST', status: 500, body: { code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' } });
    expect((await failure(c.insert([{ Last_Name: 'X' }]))).kind).toBe(FailureType.Transient);
    expect(await sb.control.requests({ provider: 'zoho', method: 'POST' })).toHaveLength(1);
  });

  it('a bad token is AuthExpired (401 INVALID_TOKEN), and no error holds the token', async () => {
    const c = client({ accessToken: async () => ACCOUNT.accessToken.replace('one', 'wrong') });
    const e = await failure(c.listPage({ fields: FIELDS }));
    expect(e).toMatchObject({ kind: FailureType.AuthExpired, details: { status: 401, code: 'INVALID_TOKEN' } });
    expect(JSON.stringify(e)).not.toContain('1000.access.wrong');
  });

  it('a token without a CRM scope is AuthRevoked (a person must consent again)', async () => {
    await sb.control.seed('zoho', { accounts: [{ id: ACCOUNT.id, org: 'org-1', accessToken: '1000.desk.only', scope: 'Desk.tickets.READ' }] });
    const e = await failure(client({ accessToken: async () => '1000.desk.only' }).listPage({ fields: FIELDS }));
    expect(e).toMatchObject({ kind: FailureType.AuthRevoked, details: { status: 401, code: 'OAUTH_SCOPE_MISMATCH' } });
  });

  it('the client keeps within the org concurrency limit', async () => {
    await sb.control.configure('zoho', { crmConcurrency: 2, crmLatencyMs: 100 });
    const c = client({ concurrency: 2 });
    await Promise.all(Array.from({ length: 5 }, () => c.listPage({ fields: FIELDS })));
    const st = await sb.control.state<{ counters: { crmConcurrencyRejected: number } }>('zoho');
    expect(st.counters.crmConcurrencyRejected).toBe(0);
  });

  it("the API host: the token's api_domain when known, else the data centre's", () => {
    expect(zohoApiDomain('eu')).toBe('https://www.zohoapis.eu');
    expect(zohoApiDomain('ca')).toBe('https://www.zohoapis.ca');
    expect(zohoApiDomain('com.au')).toBe('https://www.zohoapis.com.au');
    expect(zohoApiDomain('com', 'https://www.zohoapis.in/')).toBe('https://www.zohoapis.in');
  });
});
