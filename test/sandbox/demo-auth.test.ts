import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// The demo token endpoint (refresh flow of the extractor) and the generic faults against demo endpoints.


const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.configure('demo', { count: 500 });
});

async function token(opts: { query?: Record<string, string>; form?: Record<string, string>; json?: Record<string, string> }): Promise<{ status: number; body: Record<string, unknown> }> {
  const q = new URLSearchParams(opts.query ?? {}).toString();
  const res = await fetch(`${sb.baseUrl}/demo/oauth/token${q ? `?${q}` : ''}`, {
    method: 'POST',
    ...(opts.form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(opts.form).toString() } : {}),
    ...(opts.json ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(opts.json) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const page = (path: string, tok?: string, scheme = 'Bearer'): Promise<Response> =>
  fetch(`${sb.baseUrl}/demo/api/${path}`, tok ? { headers: { authorization: `${scheme} ${tok}` } } : {});

describe('POST /demo/oauth/token', () => {
  it('grants an access token for the refresh token sent as query, form or JSON', async () => {
    for (const how of ['query', 'form', 'json'] as const) {
      const r = await token({ [how]: { refresh_token: 'demo-refresh-token', grant_type: 'refresh_token' } });
      expect(r.status, how).toBe(200);
      expect(r.body).toMatchObject({ access_token: expect.stringMatching(/^demo-at-/), expires_in: 3600, token_type: 'Bearer' });
    }
  });

  it('puts the token under a configurable key (the extractor\'s response_token_key)', async () => {
    await sb.control.configure('demo', { auth: { tokenKey: 'mytoken', tokenTtlSeconds: 60 } });
    const r = await token({ query: { refresh_token: 'demo-refresh-token' } });
    expect(r.body).toMatchObject({ mytoken: expect.any(String), expires_in: 60 });
    expect(r.body).not.toHaveProperty('access_token');
  });

  it('rejects unknown or missing refresh tokens, other grant types, and wrong clients', async () => {
    expect(await token({ form: { refresh_token: 'nope' } })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ form: {} })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await token({ form: { refresh_token: 'demo-refresh-token', grant_type: 'password' } })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    await sb.control.configure('demo', { auth: { clientId: 'cid', clientSecret: 'sec' } });
    expect(await token({ form: { refresh_token: 'demo-refresh-token', client_id: 'cid', client_secret: 'bad' } })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await token({ form: { refresh_token: 'demo-refresh-token', client_id: 'cid', client_secret: 'sec' } })).status).toBe(200);
  });

  it('accepts refresh tokens added by seed, and seeded access tokens', async () => {
    await sb.control.seed('demo', { refreshTokens: ['mine'], accessTokens: [{ token: 'fixed', expiresInSeconds: 100 }] });
    expect((await token({ query: { refresh_token: 'mine' } })).status).toBe(200);
    await sb.control.configure('demo', { auth: { required: true } });
    expect((await page('cursor/records', 'fixed')).status).toBe(200);
  });
});

describe('data endpoints with auth on', () => {
  beforeEach(async () => {
    await sb.control.configure('demo', { auth: { required: true, tokenTtlSeconds: 600 } });
  });

  it('401 without a token, with an unknown token, and after the token expires on the fake clock', async () => {
    const none = await page('more-records/records');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toMatchObject({ error: 'unauthorized' });
    expect(await (await page('more-records/records', 'forged')).json()).toMatchObject({ error: 'invalid_token' });

    const tok = String((await token({ query: { refresh_token: 'demo-refresh-token' } })).body.access_token);
    expect((await page('more-records/records', tok)).status).toBe(200);
    expect((await page('records/1/details', tok)).status).toBe(200);
    expect((await page('records/1/details')).status).toBe(401);
    await sb.control.advanceClock(601_000);
    const expired = await page('more-records/records', tok);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await expired.json()).toMatchObject({ error: 'token_expired' });

    const fresh = String((await token({ query: { refresh_token: 'demo-refresh-token' } })).body.access_token);
    expect((await page('more-records/records', fresh)).status).toBe(200);
    const state = await sb.control.state<{ tokenGrants: number; accessTokens: { active: boolean }[] }>('demo');
    expect(state.tokenGrants).toBe(2);
    expect(state.accessTokens.filter((t) => t.active)).toHaveLength(1);
  });

  it('accepts the Zoho-oauthtoken scheme too (the seed tickets config sends it)', async () => {
    const tok = String((await token({ query: { refresh_token: 'demo-refresh-token' } })).body.access_token);
    expect((await page('offset/records', tok, 'Zoho-oauthtoken')).status).toBe(200);
  });
});

describe('generic faults against demo endpoints', () => {
  it('401 mid-run: pages 1-3 fine, the 4th fails once, the retry works', async () => {
    await sb.control.armFault({ provider: 'demo', path: '/more-records/records', after: 3, status: 401, body: { error: 'token_expired' } });
    const statuses: number[] = [];
    for (let p = 1; p <= 5; p++) statuses.push((await page(`more-records/records?page=${p}`)).status);
    expect(statuses).toEqual([200, 200, 200, 401, 200]);
  });

  it('429 with Retry-After, then 5xx, on chosen pages only', async () => {
    await sb.control.armFault({ provider: 'demo', path: '/page=2/', status: 429, retryAfter: 2, body: { error: 'rate_limited' } });
    await sb.control.armFault({ provider: 'demo', path: 'cursor/records', status: 502, times: 2 });
    const p1 = await page('next-link/records?page=1');
    const p2 = await page('next-link/records?page=2');
    expect(p1.status).toBe(200);
    expect(p2.status).toBe(429);
    expect(p2.headers.get('retry-after')).toBe('2');
    expect((await page('cursor/records')).status).toBe(502);
    expect((await page('cursor/records')).status).toBe(502);
    expect((await page('cursor/records')).status).toBe(200);
  });

  it('slow pages and connection resets', async () => {
    await sb.control.armFault({ provider: 'demo', path: 'link-header', delayMs: 250 });
    const t0 = Date.now();
    const slow = await page('link-header/records');
    expect(slow.status).toBe(200);
    expect(slow.headers.get('link')).toContain('rel="next"');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    await sb.control.armFault({ provider: 'demo', path: 'details', reset: true });
    await expect(page('records/1/details')).rejects.toThrow();
    expect((await page('records/1/details')).status).toBe(200);
    await sb.control.armFault({ provider: 'demo', path: '/oauth/token', status: 503, body: { error: 'unavailable' } });
    expect((await token({ query: { refresh_token: 'demo-refresh-token' } })).status).toBe(503);
  });

  it('records every request for assertions', async () => {
    await page('empty-array/records?page=1');
    await page('empty-array/records?page=2');
    const reqs = await sb.control.requests({ provider: 'demo', path: 'empty-array' });
    expect(reqs.map((r) => r.status)).toEqual([200, 200]);
  });

  it('rejects invalid config and seed bodies', async () => {
    await expect(sb.control.configure('demo', { switches: { lastPageTwise: true } })).rejects.toThrow(/400/);
    await expect(sb.control.configure('demo', { count: -1 })).rejects.toThrow(/400/);
    await expect(sb.control.seed('demo', { refreshTokens: 'one' })).rejects.toThrow(/400/);
  });
});
