import { describe, expect, it } from 'vitest';
import { KEY, rows, useUnisender, type Answer } from './unisender-fixtures';

// Unisender importContacts: at most 500 rows, per-row log of what was not imported (invalid, role and spam-trap
// addresses, unknown lists), new contacts as "new", the delete column's scope.

const { sb, call, members } = useUnisender();

describe('importContacts', () => {
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

describe('importContacts screening and status', () => {
  it('gives new contacts the status "new"', async () => {
    await call('importContacts', rows(['email', 'email_list_ids'], [['fresh@x.test', '1']]));
    const r = await call('getContact', { email: 'fresh@x.test' });
    expect(r.body.result).toMatchObject({ email: { email: 'fresh@x.test', status: 'new' } });
  });

  it('does not import role or spam-trap addresses, and logs them with the invalid ones', async () => {
    await sb.control.configure('unisender', { screening: { spamTraps: ['trap@bait.test', '@honeypot.test'] } });
    const r = await call(
      'importContacts',
      rows(
        ['email', 'email_list_ids'],
        [
          ['info@shop.test', '1'],
          ['Sales@shop.test', '1'],
          ['no-reply+news@shop.test', '1'],
          ['trap@bait.test', '1'],
          ['anyone@honeypot.test', '1'],
          ['not an email', '1'],
          ['person@shop.test', '1'],
        ],
      ),
    );
    expect(r.body.result).toEqual({
      total: 7,
      inserted: 1,
      updated: 0,
      deleted: 0,
      new_emails: 1,
      invalid: 6,
      log: [
        { index: 0, code: 'role_address', message: expect.stringContaining('info@shop.test') },
        { index: 1, code: 'role_address', message: expect.any(String) },
        { index: 2, code: 'role_address', message: expect.any(String) },
        { index: 3, code: 'spam_trap', message: expect.any(String) },
        { index: 4, code: 'spam_trap', message: expect.any(String) },
        { index: 5, code: 'invalid_email', message: expect.any(String) },
      ],
    });
    expect((await members(1)).map((m) => m.email).sort()).toEqual(['known@x.test', 'person@shop.test']);
  });

  it('takes its role list and log codes from the config, and can be switched off', async () => {
    await sb.control.configure('unisender', { screening: { roleLocalParts: ['team'], roleCode: 'rejected' } });
    const r = await call('importContacts', rows(['email'], [['team@co.test'], ['info@co.test']]));
    expect(r.body.result).toMatchObject({ inserted: 1, invalid: 1, log: [{ index: 0, code: 'rejected' }] });
    await sb.control.configure('unisender', { screening: { enabled: false } });
    expect((await call('importContacts', rows(['email'], [['team@co.test']]))).body.result).toMatchObject({ inserted: 1, invalid: 0 });
  });
});

describe('importContacts delete column', () => {
  const deleteRows = (data: string[][]): Record<string, string> => rows(['email', 'email_list_ids', 'delete'], data);

  it('removes the contact from the lists the row names, keeping it and its other lists (default scope "lists")', async () => {
    await call('importContacts', rows(['email', 'email_list_ids'], [['both@x.test', '1,2']]));
    const r = await call('importContacts', deleteRows([['both@x.test', '2', '1']]));
    expect(r.body.result).toMatchObject({ deleted: 1, invalid: 0 });
    expect((await members(2)).map((m) => m.email)).not.toContain('both@x.test');
    expect((await members(1)).map((m) => m.email)).toContain('both@x.test');
    expect((await call('getContact', { email: 'both@x.test' })).body.result).toBeDefined();
  });

  it('deletes the contact from the account when the row names no list', async () => {
    const r = await call('importContacts', deleteRows([['known@x.test', '', '1']]));
    expect(r.body.result).toMatchObject({ deleted: 1 });
    expect((await call('getContact', { email: 'known@x.test' })).body.code).toBe('invalid_arg');
  });

  it('counts nothing for a contact that is not on the named lists, or unknown', async () => {
    const r = await call('importContacts', deleteRows([['known@x.test', '2', '1'], ['ghost@x.test', '', '1']]));
    expect(r.body.result).toMatchObject({ deleted: 0, invalid: 0 });
    expect((await members(1)).map((m) => m.email)).toContain('known@x.test');
  });

  it('deletes from the account whatever the row names when importDeleteScope is "account"', async () => {
    await sb.control.configure('unisender', { importDeleteScope: 'account' });
    const r = await call('importContacts', deleteRows([['known@x.test', '2', '1']]));
    expect(r.body.result).toMatchObject({ deleted: 1 });
    expect((await call('getContact', { email: 'known@x.test' })).body.code).toBe('invalid_arg');
  });

  it('lets a delete row through for a role address (screening applies to imports only)', async () => {
    await sb.control.seed('unisender', { accounts: [{ id: 'main', apiKeys: [KEY], contacts: [{ email: 'info@x.test', lists: [1] }] }] });
    expect((await call('importContacts', deleteRows([['info@x.test', '', '1']]))).body.result).toMatchObject({ deleted: 1, invalid: 0 });
  });
});
