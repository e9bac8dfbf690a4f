import { describe, expect, it } from 'vitest';
import { accessToken, extractRefreshedToken, readRefreshAnswer, refreshRequest, requestFor, startPagination, withAccessToken } from '../../../extraction';
import { config } from './helpers';

const refreshCfg = config({
  name: 'z',
  auth: {
    refresh_token: {
      endpoint: {
        url: 'https://accounts.zoho.com/oauth/v2/token',
        query_params: { refresh_token: '${secret::rt}', client_id: '${secret::cid}', client_secret: '${secret::cs}', grant_type: 'refresh_token' },
      },
      response_token_key: 'access_token',
    },
    access_token: '',
  },
  extractions: [{ name: 'deals', endpoint: { url: 'https://www.zohoapis.com/crm/v2/deals', headers: { Authorization: 'Bearer ${self::auth.access_token}' } } }],
});
const secrets = { rt: 'R', cid: 'C', cs: 'S' };

describe('refreshRequest', () => {
  it('resolves secrets into the refresh endpoint; POST by default', () => {
    expect(refreshRequest(refreshCfg, { secrets })).toEqual({
      ok: true,
      value: {
        method: 'POST',
        url: 'https://accounts.zoho.com/oauth/v2/token?refresh_token=R&client_id=C&client_secret=S&grant_type=refresh_token',
        headers: {},
        body: undefined,
      },
    });
  });
  it('names the missing secret', () => {
    expect(refreshRequest(refreshCfg, { secrets: { rt: 'R' } })).toMatchObject({ ok: false, error: expect.stringContaining('secret "cid"') });
  });
  it('is null without refresh_token', () => {
    expect(refreshRequest(config({ name: 'x', extractions: [{ name: 'a', endpoint: { url: 'https://x' } }] }), {})).toBeNull();
  });
});

describe('extractRefreshedToken', () => {
  it('reads the token at response_token_key', () => {
    expect(extractRefreshedToken(refreshCfg, { access_token: '1000.abc', expires_in: 3600 })).toEqual({ ok: true, value: '1000.abc' });
  });
  it('reads a nested key (the seed example uses mytoken)', () => {
    const c = config({ name: 'x', auth: { endpoint: { url: 'https://a' }, response_token_key: 'data.mytoken' }, extractions: [{ name: 'a', endpoint: { url: 'https://x' } }] });
    expect(extractRefreshedToken(c, { data: { mytoken: 'fa146b8e' } })).toEqual({ ok: true, value: 'fa146b8e' });
  });
  it('names the endpoint, the missing key and the provider error (Zoho: HTTP 200 with error)', () => {
    const missing = 'POST https://accounts.zoho.com/oauth/v2/token answered without a token: no "access_token"';
    expect(extractRefreshedToken(refreshCfg, { error: 'invalid_code' })).toEqual({ ok: false, error: `${missing} (provider error: invalid_code)` });
    expect(extractRefreshedToken(refreshCfg, {})).toEqual({ ok: false, error: missing });
    expect(extractRefreshedToken(refreshCfg, null).ok).toBe(false);
  });
  it('an empty or blank token is no token: the error names the endpoint, never its query (it holds secrets)', () => {
    for (const access_token of ['', '   ', '\t\n']) {
      const r = extractRefreshedToken(refreshCfg, { access_token, token_type: 'Bearer', expires_in: 3600 });
      expect(r, JSON.stringify(access_token)).toEqual({ ok: false, error: 'POST https://accounts.zoho.com/oauth/v2/token answered without a token: "access_token" is empty' });
    }
    const answer = readRefreshAnswer(refreshCfg, 200, { access_token: '', expires_in: 3600 });
    expect(answer).toEqual({ kind: 'refused', message: 'token refresh (HTTP 200): POST https://accounts.zoho.com/oauth/v2/token answered without a token: "access_token" is empty' });
    expect(JSON.stringify(answer)).not.toContain('refresh_token=');
  });
  it('a non-string token is an error that does not echo the body', () => {
    const r = extractRefreshedToken(refreshCfg, { access_token: { secret: 'x' }, refresh_token: 'keep-me-out' });
    expect(r).toEqual({ ok: false, error: 'POST https://accounts.zoho.com/oauth/v2/token answered without a token: "access_token" is object, expected a string' });
  });
});

describe('the refreshed token reaches the requests through self::', () => {
  it('withAccessToken + requestFor', () => {
    const self = withAccessToken(refreshCfg, 'NEW');
    expect(refreshCfg.auth?.access_token).toBe(''); // the parsed config is not modified
    const ex = refreshCfg.extractions[0];
    if (!ex) throw new Error('no extraction');
    expect(requestFor(ex, startPagination(ex), { self })).toMatchObject({ ok: true, value: { headers: { Authorization: 'Bearer NEW' } } });
  });
  it('a static access_token may itself be a secret reference', () => {
    const c = config({ name: 'x', auth: { access_token: '${secret::api_token}' }, extractions: [{ name: 'a', endpoint: { url: 'https://x', headers: { A: '${self::auth.access_token}' } } }] });
    expect(accessToken(c, { secrets: { api_token: 'tk' } })).toEqual({ ok: true, value: 'tk' });
    const ex = c.extractions[0];
    if (!ex) throw new Error('no extraction');
    expect(requestFor(ex, startPagination(ex), { self: c, secrets: { api_token: 'tk' } })).toMatchObject({ ok: true, value: { headers: { A: 'tk' } } });
  });
  it('accessToken is empty when unset', () => {
    expect(accessToken(config({ name: 'x', extractions: [{ name: 'a', endpoint: { url: 'https://x' } }] }), {})).toEqual({ ok: true, value: '' });
  });
});
