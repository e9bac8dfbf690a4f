import { describe, expect, it } from 'vitest';
import { accessToken, extractRefreshedToken, parseConfig, readRefreshAnswer, refreshRequest, requestFor, startPagination, withAccessToken } from '../../../extraction';
import { config, query, run } from './helpers';

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

describe('auth.api_key and auth.basic: applied to every request the extraction sends', () => {
  const withAuth = (auth: unknown, endpoint: Record<string, unknown> = {}) =>
    config({ name: 'k', auth, extractions: [{ name: 'items', endpoint: { url: 'https://api.test/v1/items', ...endpoint }, data_key: 'results', pagination: { type: 'link', parameters: { next_link: 'next' } } }] });
  const ctx = { secrets: { key: 'K3Y-S3CR3T', pw: 'p@ss:word' } };
  const page = (n: number, next: string | null) => ({ body: { results: [{ id: n }], next } });

  it('an API key in a header, from a secret', () => {
    const c = withAuth({ api_key: { name: 'X-API-Key', value: '${secret::key}' } });
    const r = run(c.extractions[0]!, (_q, n) => page(n, null), ctx, 100, c.auth);
    expect(r.requests[0]!.headers['X-API-Key']).toBe('K3Y-S3CR3T');
    expect(r.requests[0]!.url).toBe('https://api.test/v1/items');
  });
  it('an API key in the query: on every page, never twice, never kept in the pagination state though the API echoes it', () => {
    const c = withAuth({ api_key: { name: 'api_key', value: '${secret::key}', in: 'query' } });
    const r = run(c.extractions[0]!, (q, n) => page(n, n < 2 ? `${q.url.split('?')[0]}?page=${n + 2}&api_key=K3Y-S3CR3T` : null), ctx, 100, c.auth);
    expect(r.requests.map((q) => query(q.url))).toEqual([{ api_key: ['K3Y-S3CR3T'] }, { page: ['2'], api_key: ['K3Y-S3CR3T'] }, { page: ['3'], api_key: ['K3Y-S3CR3T'] }]);
    for (const s of r.states) expect(JSON.stringify(s)).not.toContain('K3Y-S3CR3T');
  });
  it('HTTP basic: user and password from secrets, base64 as RFC 7617 says', () => {
    const c = withAuth({ basic: { username: 'ops', password: '${secret::pw}' } });
    const r = run(c.extractions[0]!, (_q, n) => page(n, null), ctx, 100, c.auth);
    expect(r.requests[0]!.headers.Authorization).toBe(`Basic ${Buffer.from('ops:p@ss:word').toString('base64')}`);
  });
  it("an endpoint's own header of the same name wins", () => {
    const c = withAuth({ api_key: { name: 'x-api-key', value: '${secret::key}' } }, { headers: { 'X-Api-Key': 'explicit' } });
    const r = run(c.extractions[0]!, (_q, n) => page(n, null), ctx, 100, c.auth);
    expect(r.requests[0]!.headers).toEqual({ 'X-Api-Key': 'explicit' });
  });
  it('a missing secret is an error naming the auth field, not an empty key', () => {
    const c = withAuth({ api_key: { name: 'X-API-Key', value: '${secret::nope}' } });
    expect(() => run(c.extractions[0]!, (_q, n) => page(n, null), ctx, 100, c.auth)).toThrow(/auth\.api_key\.value: .*secret "nope" not found/);
  });
  it('refuses a header name that is not an HTTP token, an unknown place, and both schemes at once', () => {
    for (const [auth, where] of [
      [{ api_key: { name: 'X API Key', value: 'v' } }, 'auth.api_key.name'],
      [{ api_key: { name: 'k', value: 'v', in: 'cookie' } }, 'auth.api_key.in'],
      [{ api_key: { name: 'k', value: 'v' }, basic: { username: 'u', password: 'p' } }, 'auth'],
    ] as const) {
      const r = parseConfig({ name: 'k', auth, extractions: [{ name: 'items', endpoint: { url: 'https://api.test/v1/items' } }] });
      expect(r.ok, JSON.stringify(auth)).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(where);
    }
  });
});

describe('auth.client_credentials (OAuth 2.0 client credentials grant, RFC 6749 4.4)', () => {
  const cc = (fields: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}) =>
    config({
      name: 'cc',
      auth: { client_credentials: { token_url: 'https://auth.test/oauth/token', client_id: '${secret::cid}', client_secret: '${secret::cs}', scope: 'read:items', ...fields } },
      extractions: [{ name: 'items', endpoint: { url: 'https://api.test/v1/items', ...endpoint } }],
    });
  const secrets = { cid: 'client-1', cs: 's3cr3t:/+' };

  it('posts a form with the grant, the scope and the client credentials in the body by default', () => {
    const r = refreshRequest(cc(), { secrets });
    expect(r).toEqual({ ok: true, value: { method: 'POST', url: 'https://auth.test/oauth/token', headers: {}, bodyFormat: 'form', body: { grant_type: 'client_credentials', scope: 'read:items', client_id: 'client-1', client_secret: 's3cr3t:/+' } } });
  });
  it('or in an HTTP basic header, each part form-urlencoded first (RFC 6749 2.3.1)', () => {
    const r = refreshRequest(cc({ credentials_in: 'basic', audience: 'https://api.test' }), { secrets });
    const basic = `Basic ${Buffer.from(`client-1:${encodeURIComponent('s3cr3t:/+')}`).toString('base64')}`;
    expect(r).toEqual({ ok: true, value: { method: 'POST', url: 'https://auth.test/oauth/token', headers: { Authorization: basic }, bodyFormat: 'form', body: { grant_type: 'client_credentials', scope: 'read:items', audience: 'https://api.test' } } });
  });
  it('reads access_token from the answer, and the token goes on every request as a Bearer unless the endpoint sets Authorization', () => {
    const c = cc();
    expect(readRefreshAnswer(c, 200, { access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600 })).toEqual({ kind: 'token', token: 'AT-1', expiresInMs: 3_600_000 });
    const ctx = { secrets, self: withAccessToken(c, 'AT-1') };
    const r = run(c.extractions[0]!, () => ({ body: [] }), ctx, 100, c.auth);
    expect(r.requests[0]!.headers).toEqual({ Authorization: 'Bearer AT-1' });
    const own = cc({}, { headers: { Authorization: 'Token ${self::auth.access_token}' } });
    expect(run(own.extractions[0]!, () => ({ body: [] }), { secrets, self: withAccessToken(own, 'AT-1') }, 100, own.auth).requests[0]!.headers).toEqual({ Authorization: 'Token AT-1' });
  });
  it('refuses it beside refresh_token or basic, naming auth', () => {
    for (const extra of [{ basic: { username: 'u', password: 'p' } }, { refresh_token: { endpoint: { url: 'https://auth.test/t' }, response_token_key: 'access_token' } }]) {
      const r = parseConfig({ name: 'cc', auth: { client_credentials: { token_url: 'https://auth.test/t', client_id: 'a', client_secret: 'b' }, ...extra }, extractions: [{ name: 'i', endpoint: { url: 'https://api.test/i' } }] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.path)).toContain('auth');
    }
  });
});
