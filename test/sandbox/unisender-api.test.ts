import { describe, expect, it } from 'vitest';
import { KEY, useUnisender, type Answer } from './unisender-fixtures';

// Unisender's envelope: every answer is HTTP 200, errors are {"error","code"}; PHP-style bracketed form
// parameters; per-key and per-IP limits.

const { sb, call } = useUnisender();

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

  it('defaults to 1200 calls a minute: the 1201st inside one fake-clock minute is refused', async () => {
    const s = await sb.control.state<{ config: { callsPerMinutePerKey: number } }>('unisender');
    expect(s.config.callsPerMinutePerKey).toBe(1200);
    const url = `${sb.baseUrl}/unisender/ru/api/getLists?format=json&api_key=${KEY}`;
    for (let i = 0; i < 1200; i++) await (await fetch(url, { method: 'POST' })).arrayBuffer();
    const over = (await (await fetch(url, { method: 'POST' })).json()) as Answer['body'];
    expect(over.code).toBe('api_call_limit_exceeded_for_api_key');
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
