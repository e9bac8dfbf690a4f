import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// Unisender: every answer is HTTP 200, errors are {"error","code"}; PHP-style bracketed form parameters.

const KEY = 'uni-key-1';

type Answer = { status: number; body: { result?: unknown; error?: string; code?: string } };

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('unisender', {
    accounts: [
      {
        id: 'main',
        apiKeys: [KEY, { key: 'denied-key', accessDenied: true }, { key: 'readonly-key', deniedMethods: ['importContacts'] }],
        fields: ['City'],
        lists: [
          { id: 1, title: 'Kommo contacts' },
          { id: 2, title: 'Newsletter' },
        ],
        contacts: [{ email: 'known@x.test', fields: { Name: 'Known' }, lists: [1] }],
      },
    ],
  });
});

/** POSTs the method with parameters in the form body (default) or the query string, format and key in the query. */
async function call(method: string, params: Record<string, string> = {}, opts: { via?: 'form' | 'query'; key?: string | null; lang?: string } = {}): Promise<Answer> {
  const q = new URLSearchParams({ format: 'json' });
  if (opts.key !== null) q.set('api_key', opts.key ?? KEY);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) (opts.via === 'query' ? q : form).append(k, v);
  const res = await fetch(`${sb.baseUrl}/unisender/${opts.lang ?? 'ru'}/api/${method}?${q.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

interface ListState {
  id: number;
  title: string;
  members: { email: string; status: string; emailStatus: string; fields: Record<string, string>; tags: string[] }[];
}
async function lists(): Promise<ListState[]> {
  const s = await sb.control.state<{ accounts: { lists: ListState[] }[] }>('unisender', { apiKey: KEY });
  return s.accounts[0]?.lists ?? [];
}
const members = async (listId: number): Promise<ListState['members']> => (await lists()).find((l) => l.id === listId)?.members ?? [];

describe('unisender envelope and errors (all HTTP 200)', () => {
  it('answers {"result"} for a good call, with parameters in the query or the form', async () => {
    const a = await call('getLists');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ result: [{ id: 1, title: 'Kommo contacts' }, { id: 2, title: 'Newsletter' }] });
    const q = await call('createList', { title: 'Via query' }, { via: 'query' });
    expect(q.body.result).toEqual({ id: 3 });
    const formKey = await fetch(`${sb.baseUrl}/unisender/en/api/getLists`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ format: 'json', api_key: KEY }).toString(),
    });
    expect(((await formKey.json()) as Answer['body']).result).toHaveLength(3);
    const viaGet = await fetch(`${sb.baseUrl}/unisender/ru/api/getLists?format=json&api_key=${KEY}`);
    expect(((await viaGet.json()) as Answer['body']).result).toHaveLength(3);
  });

  it('invalid_api_key for a missing or unknown key', async () => {
    expect((await call('getLists', {}, { key: null })).body).toMatchObject({ code: 'invalid_api_key', error: expect.any(String) });
    const bad = await call('getLists', {}, { key: 'nope' });
    expect(bad.status).toBe(200);
    expect(bad.body.code).toBe('invalid_api_key');
  });

  it('ignores a JSON body, as the form-only API does', async () => {
    const res = await fetch(`${sb.baseUrl}/unisender/ru/api/getLists?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: KEY }),
    });
    expect(((await res.json()) as Answer['body']).code).toBe('invalid_api_key');
  });

  it('access_denied for a blocked key or a method the key may not call', async () => {
    expect((await call('getLists', {}, { key: 'denied-key' })).body.code).toBe('access_denied');
    expect((await call('getLists', {}, { key: 'readonly-key' })).body.result).toBeDefined();
    expect((await call('importContacts', { 'field_names[0]': 'email', 'data[0][0]': 'a@x.test' }, { key: 'readonly-key' })).body.code).toBe('access_denied');
  });

  it('unknown_method for a method Unisender does not have', async () => {
    expect((await call('getUnicorns')).body.code).toBe('unknown_method');
    expect((await call('toString')).body.code).toBe('unknown_method');
  });

  it('requires format=json unless switched off', async () => {
    const res = await fetch(`${sb.baseUrl}/unisender/ru/api/getLists?api_key=${KEY}`, { method: 'POST' });
    expect(((await res.json()) as Answer['body']).code).toBe('invalid_arg');
    await sb.control.configure('unisender', { requireFormatJson: false });
    const ok = await fetch(`${sb.baseUrl}/unisender/ru/api/getLists?api_key=${KEY}`, { method: 'POST' });
    expect(((await ok.json()) as Answer['body']).result).toBeDefined();
  });

  it('rejects an invalid seed or config body with 400', async () => {
    await expect(sb.control.seed('unisender', { accounts: [{ apiKeys: [] }] })).rejects.toThrow(/400/);
    await expect(sb.control.configure('unisender', { callsPerMinute: 5 })).rejects.toThrow(/400/);
  });
});

describe('unisender limits', () => {
  it('api_call_limit_exceeded_for_api_key past the per-minute limit, per key, on the fake clock', async () => {
    await sb.control.configure('unisender', { callsPerMinutePerKey: 3 });
    await sb.control.seed('unisender', { accounts: [{ apiKeys: ['second-key'] }] });
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) codes.push((await call('getLists')).body.code);
    expect(codes).toEqual([undefined, undefined, undefined, 'api_call_limit_exceeded_for_api_key']);
    expect((await call('getLists', {}, { key: 'second-key' })).body.result).toBeDefined();
    await sb.control.advanceClock(61_000);
    expect((await call('getLists')).body.result).toBeDefined();
  });

  it('defaults to 1200 calls a minute', async () => {
    const s = await sb.control.state<{ config: { callsPerMinutePerKey: number } }>('unisender');
    expect(s.config.callsPerMinutePerKey).toBe(1200);
  });

  it('api_call_limit_exceeded_for_ip when the per-IP limit is on', async () => {
    await sb.control.configure('unisender', { callsPerMinutePerIp: 2 });
    await call('getLists');
    await call('getLists');
    expect((await call('getLists')).body.code).toBe('api_call_limit_exceeded_for_ip');
  });

  it('retry_later and HTTP-level faults come from the generic fault switches', async () => {
    await sb.control.armFault({ provider: 'unisender', path: '/importContacts', status: 200, body: { error: 'Temporary unavailable', code: 'retry_later' } });
    const r = await call('importContacts', { 'field_names[0]': 'email', 'data[0][0]': 'a@x.test' });
    expect(r.body).toEqual({ error: 'Temporary unavailable', code: 'retry_later' });
    await sb.control.armFault({ provider: 'unisender', status: 503, body: 'Service Unavailable' });
    const res = await fetch(`${sb.baseUrl}/unisender/ru/api/getLists?format=json&api_key=${KEY}`, { method: 'POST' });
    expect(res.status).toBe(503);
  });
});

describe('createList and getLists', () => {
  it('creates a list and refuses a duplicate title with a configurable code', async () => {
    expect((await call('createList', { title: 'Fresh' })).body.result).toEqual({ id: 3 });
    const dup = await call('createList', { title: 'fresh ' });
    expect(dup.body).toMatchObject({ code: 'invalid_arg', error: expect.stringContaining('exists') });
    await sb.control.configure('unisender', { duplicateListTitleCode: 'access_denied' });
    expect((await call('createList', { title: 'Fresh' })).body.code).toBe('access_denied');
    expect((await call('createList', {})).body.code).toBe('invalid_arg');
    expect(((await call('getLists')).body.result as unknown[]).length).toBe(3);
  });
});

describe('subscribe, exclude, getContact', () => {
  it('subscribes with double_optin=3 as active, and double_optin=0 as invited', async () => {
    const a = await call('subscribe', { list_ids: '1,2', 'fields[email]': 'New@X.test', 'fields[Name]': 'New Person', double_optin: '3' });
    const id = (a.body.result as { person_id: number }).person_id;
    expect(id).toEqual(expect.any(Number));
    expect(await members(2)).toEqual([expect.objectContaining({ email: 'new@x.test', status: 'active', emailStatus: 'active', fields: { Name: 'New Person' } })]);
    const again = await call('subscribe', { list_ids: '2', 'fields[email]': 'new@x.test', double_optin: '3' });
    expect((again.body.result as { person_id: number }).person_id).toBe(id);
    await call('subscribe', { list_ids: '2', 'fields[email]': 'optin@x.test' });
    expect((await members(2)).find((m) => m.email === 'optin@x.test')?.status).toBe('invited');
  });

  it('honours overwrite=0/1/2 for fields and tags', async () => {
    await call('subscribe', { list_ids: '1', 'fields[email]': 'o@x.test', 'fields[Name]': 'First', 'fields[City]': 'Lima', tags: 'a', double_optin: '3' });
    await call('subscribe', { list_ids: '1', 'fields[email]': 'o@x.test', 'fields[Name]': 'Ignored', tags: 'b', double_optin: '3' });
    let m = (await members(1)).find((x) => x.email === 'o@x.test');
    expect(m?.fields).toEqual({ Name: 'First', City: 'Lima' });
    expect(m?.tags.sort()).toEqual(['a', 'b']);
    await call('subscribe', { list_ids: '1', 'fields[email]': 'o@x.test', 'fields[Name]': 'Second', double_optin: '3', overwrite: '2' });
    m = (await members(1)).find((x) => x.email === 'o@x.test');
    expect(m?.fields).toEqual({ Name: 'Second', City: 'Lima' });
    await call('subscribe', { list_ids: '1', 'fields[email]': 'o@x.test', 'fields[Name]': 'Third', tags: 'c', double_optin: '3', overwrite: '1' });
    m = (await members(1)).find((x) => x.email === 'o@x.test');
    expect(m?.fields).toEqual({ Name: 'Third' });
    expect(m?.tags).toEqual(['c']);
  });

  it('rejects subscribe without lists, with unknown lists, bad emails, unknown fields or flags', async () => {
    expect((await call('subscribe', { 'fields[email]': 'a@x.test' })).body.code).toBe('invalid_arg');
    expect((await call('subscribe', { list_ids: '99', 'fields[email]': 'a@x.test' })).body.code).toBe('invalid_arg');
    expect((await call('subscribe', { list_ids: '1', 'fields[email]': 'not-an-email' })).body.code).toBe('invalid_arg');
    expect((await call('subscribe', { list_ids: '1' })).body.code).toBe('invalid_arg');
    expect((await call('subscribe', { list_ids: '1', 'fields[email]': 'a@x.test', 'fields[Shoe]': '42' })).body.code).toBe('invalid_arg');
    expect((await call('subscribe', { list_ids: '1', 'fields[email]': 'a@x.test', double_optin: '7' })).body.code).toBe('invalid_arg');
  });

  it('excludes a contact from the given lists, or from all', async () => {
    await call('subscribe', { list_ids: '1,2', 'fields[email]': 'ex@x.test', double_optin: '3' });
    expect((await call('exclude', { contact_type: 'email', contact: 'ex@x.test', list_ids: '2' })).body.result).toBeDefined();
    expect((await members(2)).map((m) => m.email)).not.toContain('ex@x.test');
    expect((await members(1)).map((m) => m.email)).toContain('ex@x.test');
    await call('exclude', { contact_type: 'email', contact: 'ex@x.test' });
    expect((await members(1)).map((m) => m.email)).not.toContain('ex@x.test');
    expect((await call('exclude', { contact_type: 'fax', contact: 'ex@x.test' })).body.code).toBe('invalid_arg');
    expect((await call('exclude', { contact_type: 'email' })).body.code).toBe('invalid_arg');
  });

  it('getContact returns the email, lists and fields on request; unknown contacts are an error', async () => {
    const r = await call('getContact', { email: 'KNOWN@x.test', include_lists: '1', include_fields: '1' });
    expect(r.body.result).toMatchObject({
      email: { email: 'known@x.test', status: 'active', added_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) },
      lists: [{ id: 1, status: 'active', added_at: expect.any(String) }],
      fields: { Name: 'Known' },
    });
    const bare = await call('getContact', { email: 'known@x.test' });
    expect(bare.body.result).not.toHaveProperty('lists');
    const missing = await call('getContact', { email: 'ghost@x.test' });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ code: 'invalid_arg', error: expect.any(String) });
    expect((await call('getContact', {})).body.code).toBe('invalid_arg');
  });
});

describe('importContacts', () => {
  function rows(fieldNames: string[], data: string[][]): Record<string, string> {
    const p: Record<string, string> = {};
    fieldNames.forEach((f, i) => (p[`field_names[${i}]`] = f));
    data.forEach((row, i) => row.forEach((v, j) => (p[`data[${i}][${j}]`] = v)));
    return p;
  }

  it('inserts, updates, deletes and logs invalid rows', async () => {
    const r = await call(
      'importContacts',
      rows(
        ['email', 'Name', 'email_list_ids', 'tags', 'delete'],
        [
          ['one@x.test', 'One', '1,2', 'kommo', '0'],
          ['known@x.test', 'Known Renamed', '2', '', ''],
          ['broken-email', 'Nobody', '1', '', ''],
          ['two@x.test', 'Two', '77', '', ''],
          ['known@x.test', '', '', '', '1'],
        ],
      ),
    );
    expect(r.body.result).toEqual({
      total: 5,
      inserted: 1,
      updated: 1,
      deleted: 1,
      new_emails: 1,
      invalid: 2,
      log: [
        { index: 2, code: 'invalid_email', message: expect.any(String) },
        { index: 3, code: 'invalid_arg', message: expect.stringContaining('77') },
      ],
    });
    expect((await members(1)).map((m) => m.email)).toEqual(['one@x.test']);
    expect(await members(2)).toEqual([expect.objectContaining({ email: 'one@x.test', status: 'active', fields: { Name: 'One' }, tags: ['kommo'] })]);
  });

  it('accepts field_names[] without indexes and case-insensitive field names', async () => {
    const res = await fetch(`${sb.baseUrl}/unisender/ru/api/importContacts?format=json&api_key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'field_names[]=email&field_names[]=name&field_names[]=email_list_ids&data[0][0]=p%2Btag@x.test&data[0][1]=Plus+Sign&data[0][2]=1',
    });
    expect(((await res.json()) as Answer['body']).result).toMatchObject({ inserted: 1, invalid: 0 });
    expect((await members(1)).find((m) => m.email === 'p+tag@x.test')?.fields).toEqual({ Name: 'Plus Sign' });
  });

  it('refuses more than 500 rows, missing email column, unknown fields, and empty data', async () => {
    const data = Array.from({ length: 501 }, (_, i) => [`u${i}@x.test`]);
    const big = await call('importContacts', rows(['email'], data));
    expect(big.body).toMatchObject({ code: 'invalid_arg' });
    const ok = await call('importContacts', rows(['email'], data.slice(0, 500)));
    expect(ok.body.result).toMatchObject({ total: 500, inserted: 500 });
    expect((await call('importContacts', rows(['Name'], [['x']]))).body.code).toBe('invalid_arg');
    expect((await call('importContacts', rows(['email', 'Shoe'], [['a@x.test', '1']]))).body.code).toBe('invalid_arg');
    expect((await call('importContacts', rows(['email'], []))).body.code).toBe('invalid_arg');
  });

  it('replaces lists and tags with overwrite_lists / overwrite_tags', async () => {
    await call('importContacts', rows(['email', 'email_list_ids', 'tags'], [['ow@x.test', '1,2', 'a,b']]));
    await call('importContacts', { ...rows(['email', 'email_list_ids', 'tags'], [['ow@x.test', '2', 'c']]), overwrite_lists: '1', overwrite_tags: '1' });
    expect((await members(1)).map((m) => m.email)).not.toContain('ow@x.test');
    expect((await members(2)).find((m) => m.email === 'ow@x.test')?.tags).toEqual(['c']);
  });
});
