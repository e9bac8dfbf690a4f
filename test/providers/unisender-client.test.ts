import { describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { NO_RETRY } from '../../providers/http';
import { UnisenderClient, type UnisenderClientOptions } from '../../providers/unisender/client';
import { CALL_LIMIT_MS, RETRY_LATER_MS } from '../../providers/unisender/errors';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from '../sandbox/use-sandbox';
import { caught, renderings, UNISENDER_KEY } from './mirror-fixtures';

// The Unisender client against the sandbox's Unisender: every call, HTTP-200 error codes mapped to failure kinds,
// 5xx and timeouts retried up to two more times, and an API key that never shows in an error.

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('unisender', {
    accounts: [
      {
        id: 'mirror',
        apiKeys: [UNISENDER_KEY, { key: 'blocked-key', accessDenied: true }],
        lists: [{ id: 1, title: 'Kommo contacts' }],
        contacts: [{ email: 'known@x.test', fields: { Name: 'Known' }, lists: [1] }],
      },
    ],
  });
});

const client = (extra: Partial<UnisenderClientOptions> = {}): UnisenderClient =>
  new UnisenderClient({ baseUrl: `${sb.baseUrl}/unisender`, apiKey: async () => UNISENDER_KEY, ...extra });

describe('unisender client: calls', () => {
  it('lists and creates lists', async () => {
    expect(await client().getLists()).toEqual([{ id: 1, title: 'Kommo contacts' }]);
    expect(await client().createList('Newsletter')).toEqual({ id: 2 });
    expect((await client().getLists()).map((l) => l.title)).toEqual(['Kommo contacts', 'Newsletter']);
  });

  it('imports rows and returns the per-row log of what was not imported', async () => {
    const r = await client().importContacts({
      fieldNames: ['email', 'Name', 'email_list_ids'],
      rows: [
        ['ana@x.test', 'Ana', '1'],
        ['info@x.test', 'Role', '1'],
        ['broken', 'Nobody', '1'],
        ['known@x.test', 'Known Again', '1'],
      ],
    });
    expect(r).toEqual({
      total: 4,
      inserted: 1,
      updated: 1,
      deleted: 0,
      newEmails: 1,
      invalid: 2,
      log: [
        { index: 1, code: 'role_address', message: expect.any(String) },
        { index: 2, code: 'invalid_email', message: expect.any(String) },
      ],
    });
    const sent = (await sb.control.requests({ provider: 'unisender', path: 'importContacts' }))[0];
    expect(sent?.url).toContain('format=json');
    expect(sent?.body).toMatchObject({ 'field_names[0]': 'email', 'data[0][0]': 'ana@x.test', 'data[3][1]': 'Known Again' });
  });

  it('removes with the delete column, and refuses more than 500 rows before sending', async () => {
    const del = await client().importContacts({ fieldNames: ['email', 'delete'], rows: [['known@x.test', '1']] });
    expect(del).toMatchObject({ deleted: 1, invalid: 0 });
    const rows = Array.from({ length: 501 }, (_, i) => [`u${i}@x.test`]);
    expect(await caught(client().importContacts({ fieldNames: ['email'], rows }))).toMatchObject({ kind: FailureType.Invalid });
    expect(await sb.control.requests({ provider: 'unisender', path: 'importContacts' })).toHaveLength(1);
  });

  it('subscribes, reads a contact with its lists, and excludes it', async () => {
    const { personId } = await client().subscribe({ listIds: [1], fields: { email: 'sub@x.test', Name: 'Sub' }, tags: ['kommo'], doubleOptin: 3 });
    expect(personId).toEqual(expect.any(Number));
    expect(await client().getContact('sub@x.test', { lists: true, fields: true })).toMatchObject({
      email: 'sub@x.test',
      status: 'active',
      lists: [{ id: 1, status: 'active' }],
      fields: { Name: 'Sub' },
    });
    await client().exclude({ contactType: 'email', contact: 'sub@x.test', listIds: [1] });
    expect((await client().getContact('sub@x.test', { lists: true })).lists).toEqual([]);
    await client().exclude({ contactType: 'email', contact: 'nobody@x.test' });
  });

  it('reads a new imported contact as status "new"', async () => {
    await client().importContacts({ fieldNames: ['email'], rows: [['fresh@x.test']] });
    expect(await client().getContact('fresh@x.test')).toMatchObject({ email: 'fresh@x.test', status: 'new' });
  });
});

describe('unisender client: errors', () => {
  it('invalid_api_key and access_denied are AuthRevoked', async () => {
    expect(await caught(client({ apiKey: async () => 'no-such-key' }).getLists())).toMatchObject({ kind: FailureType.AuthRevoked, details: { code: 'invalid_api_key', status: 200 } });
    expect(await caught(client({ apiKey: async () => 'blocked-key' }).getLists())).toMatchObject({ kind: FailureType.AuthRevoked, details: { code: 'access_denied' } });
  });

  it('retry_later and api_call_limit_exceeded_* are RateLimited with a delay', async () => {
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', status: 200, body: { error: 'Temporary unavailable', code: 'retry_later' } });
    expect(await caught(client().getLists())).toMatchObject({ kind: FailureType.RateLimited, details: { code: 'retry_later', retryAfterMs: RETRY_LATER_MS } });
    await sb.control.configure('unisender', { callsPerMinutePerKey: 1 });
    await client().getLists();
    expect(await caught(client().getLists())).toMatchObject({ kind: FailureType.RateLimited, details: { code: 'api_call_limit_exceeded_for_api_key', retryAfterMs: CALL_LIMIT_MS } });
    await sb.control.configure('unisender', { callsPerMinutePerKey: 0, callsPerMinutePerIp: 1 });
    await client().getLists();
    expect(await caught(client().getLists())).toMatchObject({ kind: FailureType.RateLimited, details: { code: 'api_call_limit_exceeded_for_ip' } });
  });

  it('invalid_arg and unknown_method are Invalid, with Unisender\'s text', async () => {
    const dup = await caught(client().createList('kommo contacts'));
    expect(dup).toMatchObject({ kind: FailureType.Invalid, details: { code: 'invalid_arg' } });
    expect(dup.message).toContain('already exists');
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', status: 200, body: { error: 'Unknown method', code: 'unknown_method' } });
    expect(await caught(client().getLists())).toMatchObject({ kind: FailureType.Invalid, details: { code: 'unknown_method' } });
  });

  it('5xx is Transient, retried up to two more times', async () => {
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', status: 502, times: 3 });
    const fast = { attempts: 3, maxWaitMs: 1_000, baseDelayMs: 10 };
    expect(await caught(client({ retry: fast }).getLists())).toMatchObject({ kind: FailureType.Transient, details: { status: 502 } });
    expect(await sb.control.requests({ provider: 'unisender' })).toHaveLength(3);
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', status: 503, times: 2 });
    expect(await client({ retry: fast }).getLists()).toHaveLength(1);
  });

  it('a call past the timeout is Transient, and a retry may succeed', async () => {
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', delayMs: 1_500 });
    const err = await caught(client({ timeoutMs: 300, retry: NO_RETRY }).getLists());
    expect(err).toMatchObject({ kind: FailureType.Transient });
    expect(err.message).toContain('timed out');
    await sb.control.armFault({ provider: 'unisender', path: 'getLists', delayMs: 1_500 });
    expect(await client({ timeoutMs: 300, retry: { attempts: 2, maxWaitMs: 1_000, baseDelayMs: 10 } }).getLists()).toHaveLength(1);
  });

  it('never puts the API key in an error, even when Unisender echoes it', async () => {
    const errors: ProviderError[] = [];
    await sb.control.armFault({ provider: 'unisender', status: 200, body: { error: `Invalid API key "${UNISENDER_KEY}"`, code: 'invalid_api_key' } });
    errors.push(await caught(client().getLists()));
    await sb.control.armFault({ provider: 'unisender', status: 500, body: `upstream failed for api_key=${UNISENDER_KEY}` });
    errors.push(await caught(client({ retry: NO_RETRY }).getLists()));
    await sb.control.armFault({ provider: 'unisender', status: 200, body: { error: 'later', code: 'retry_later' } });
    errors.push(await caught(client().importContacts({ fieldNames: ['email'], rows: [['a@x.test']] })));
    await sb.control.armFault({ provider: 'unisender', reset: true });
    errors.push(await caught(client({ retry: NO_RETRY }).getContact('known@x.test')));
    errors.push(await caught(client().createList('Kommo contacts')));
    expect(errors[0]?.message).toContain('[api key]');
    for (const err of errors) for (const text of renderings(err)) expect(text).not.toContain(UNISENDER_KEY);
  });
});
