import { describe, expect, it } from 'vitest';
import { useUnisender } from './unisender-fixtures';

// Unisender lists and single-contact methods: getLists, createList, subscribe, exclude, getContact.

const { sb, call, members } = useUnisender();

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
