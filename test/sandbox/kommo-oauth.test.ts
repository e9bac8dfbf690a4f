import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// Kommo OAuth: single-use rotating refresh tokens, 24 h access tokens, league/oauth2-server problem bodies.

const SUB = 'acme';
const REDIRECT = 'https://switchyard.test/kommo/callback';
const CLIENT = { client_id: 'cid-acme', client_secret: 'secret-acme' };

interface Seeded {
  accounts: { accountId: number; baseUrl: string; authorizationCodes: string[]; tokens: { accessToken: string; refreshToken: string }[] }[];
}

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.configure('kommo', { rateLimit: { perSecond: 0 } });
});

async function seedAccount(extra: Record<string, unknown> = {}): Promise<Seeded['accounts'][number]> {
  const res = await sb.control.seed<Seeded>('kommo', {
    accounts: [{ subdomain: SUB, accountId: 29_000_001, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: REDIRECT, ...extra }],
  });
  const acc = res.accounts[0];
  if (!acc) throw new Error('no account seeded');
  return acc;
}

async function token(body: Record<string, unknown>, sub = SUB): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${sb.baseUrl}/kommo/${sub}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as Record<string, unknown> };
}

const refresh = (refresh_token: string, extra: Record<string, unknown> = {}) =>
  token({ ...CLIENT, grant_type: 'refresh_token', refresh_token, redirect_uri: REDIRECT, ...extra });

async function account(accessToken: string, sub = SUB): Promise<Response> {
  return fetch(`${sb.baseUrl}/kommo/${sub}/api/v4/account`, { headers: { authorization: `Bearer ${accessToken}` } });
}

describe('kommo oauth: authorization_code', () => {
  it('exchanges a seeded code for a Bearer pair that opens the API, once', async () => {
    await seedAccount({ authorizationCodes: ['code-1'] });
    const first = await token({ ...CLIENT, grant_type: 'authorization_code', code: 'code-1', redirect_uri: REDIRECT });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    expect(typeof first.json.access_token).toBe('string');
    expect(typeof first.json.refresh_token).toBe('string');
    const acc = await account(String(first.json.access_token));
    expect(acc.status).toBe(200);
    expect(await acc.json()).toMatchObject({ id: 29_000_001, subdomain: SUB });

    const again = await token({ ...CLIENT, grant_type: 'authorization_code', code: 'code-1', redirect_uri: REDIRECT });
    expect(again.status).toBe(400);
    expect(again.type).toContain('application/problem+json');
    expect(again.json).toMatchObject({ hint: 'Authorization code has been revoked', status: 400 });
    expect(String(again.json.type)).toMatch(/OAuthProblemJson$/);
  });

  it('rejects an expired code (20 minutes on the fake clock)', async () => {
    await seedAccount({ authorizationCodes: ['code-2'] });
    await sb.control.advanceClock(21 * 60_000);
    const r = await token({ ...CLIENT, grant_type: 'authorization_code', code: 'code-2', redirect_uri: REDIRECT });
    expect(r.status).toBe(400);
    expect(r.json.hint).toBe('Authorization code has expired');
  });

  it('rejects an unknown code, a wrong redirect_uri and a missing code', async () => {
    await seedAccount({ authorizationCodes: ['code-3'] });
    expect((await token({ ...CLIENT, grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT })).json.hint).toBe(
      'Cannot decrypt the authorization code',
    );
    const wrong = await token({ ...CLIENT, grant_type: 'authorization_code', code: 'code-3', redirect_uri: 'https://evil.test/cb' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.hint).toBe('Invalid redirect URI');
    const missing = await token({ ...CLIENT, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(missing.status).toBe(400);
    expect(missing.json.hint).toBe('Check the `code` parameter');
  });

  it('mints codes through the control API, as an install redirect would', async () => {
    await seedAccount();
    const res = await fetch(`${sb.baseUrl}/_control/kommo/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subdomain: SUB, state: 'xyz' }),
    });
    const body = (await res.json()) as { code: string; redirectUrl: string; baseUrl: string };
    const url = new URL(body.redirectUrl);
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(url.searchParams.get('code')).toBe(body.code);
    expect(url.searchParams.get('state')).toBe('xyz');
    expect(url.searchParams.get('referer')).toBe(`${SUB}.kommo.com`);
    expect(body.baseUrl).toBe(`${sb.baseUrl}/kommo/${SUB}`);
    const r = await token({ ...CLIENT, grant_type: 'authorization_code', code: body.code, redirect_uri: REDIRECT });
    expect(r.status).toBe(200);
  });
});

describe('kommo oauth: client and grant errors', () => {
  it('401s an unknown client or a wrong secret', async () => {
    await seedAccount({ tokens: [{ refreshToken: 'rt-0' }] });
    const r = await refresh('rt-0', { client_secret: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ hint: 'Client authentication failed', status: 401 });
  });

  it('400s an unsupported or missing grant_type', async () => {
    await seedAccount();
    expect((await token({ ...CLIENT, grant_type: 'password' })).status).toBe(400);
    const missing = await token({ ...CLIENT });
    expect(missing.status).toBe(400);
    expect(missing.json.hint).toBe('Check the `grant_type` parameter');
  });

  it('404s an unknown subdomain', async () => {
    await seedAccount();
    const r = await token({ ...CLIENT, grant_type: 'refresh_token', refresh_token: 'x', redirect_uri: REDIRECT }, 'nobody');
    expect(r.status).toBe(404);
  });

  it('requires redirect_uri on refresh unless switched off', async () => {
    await seedAccount({ tokens: [{ refreshToken: 'rt-r' }] });
    const r = await token({ ...CLIENT, grant_type: 'refresh_token', refresh_token: 'rt-r' });
    expect(r.status).toBe(400);
    expect(r.json.hint).toBe('Check the `redirect_uri` parameter');
    await sb.control.configure('kommo', { requireRedirectUriOnRefresh: false });
    expect((await token({ ...CLIENT, grant_type: 'refresh_token', refresh_token: 'rt-r' })).status).toBe(200);
  });
});

describe('kommo oauth: refresh token rotation', () => {
  it('rotates on every refresh; reusing the old refresh token is "Token has been revoked"', async () => {
    await seedAccount({ tokens: [{ accessToken: 'at-0', refreshToken: 'rt-0' }] });
    const r1 = await refresh('rt-0');
    expect(r1.status).toBe(200);
    expect(r1.json.refresh_token).not.toBe('rt-0');
    const r2 = await refresh(String(r1.json.refresh_token));
    expect(r2.status).toBe(200);

    const reused = await refresh('rt-0');
    expect(reused.status).toBe(400);
    expect(reused.type).toContain('application/problem+json');
    expect(reused.json).toEqual({
      hint: 'Token has been revoked',
      title: expect.any(String),
      type: expect.stringMatching(/OAuthProblemJson$/),
      status: 400,
      detail: expect.any(String),
    });
    // The newest pair is untouched by the failed reuse (no reuse detection by default).
    expect((await account(String(r2.json.access_token))).status).toBe(200);
  });

  it('revokes the whole family on reuse when revokeFamilyOnReuse is on', async () => {
    await seedAccount({ tokens: [{ refreshToken: 'rt-f' }] });
    await sb.control.configure('kommo', { revokeFamilyOnReuse: true });
    const r1 = await refresh('rt-f');
    expect((await refresh('rt-f')).status).toBe(400);
    expect((await account(String(r1.json.access_token))).status).toBe(401);
    expect((await refresh(String(r1.json.refresh_token))).json.hint).toBe('Token has been revoked');
  });

  it('keeps the previous access token alive until it expires, unless revokeAccessTokenOnRefresh', async () => {
    await seedAccount({ tokens: [{ accessToken: 'at-keep', refreshToken: 'rt-keep' }] });
    await refresh('rt-keep');
    expect((await account('at-keep')).status).toBe(200);

    await sb.control.seed('kommo', { accounts: [{ subdomain: SUB, tokens: [{ accessToken: 'at-kill', refreshToken: 'rt-kill' }] }] });
    await sb.control.configure('kommo', { revokeAccessTokenOnRefresh: true });
    await refresh('rt-kill');
    const dead = await account('at-kill');
    expect(dead.status).toBe(401);
  });

  it('rejects unknown refresh tokens and tokens of another account', async () => {
    await seedAccount({ tokens: [{ refreshToken: 'rt-a' }] });
    await sb.control.seed('kommo', { accounts: [{ subdomain: 'other', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: REDIRECT, tokens: [{ refreshToken: 'rt-b' }] }] });
    expect((await refresh('garbage')).json.hint).toBe('Cannot decrypt the refresh token');
    const cross = await refresh('rt-b');
    expect(cross.status).toBe(400);
    expect(cross.json.hint).toBe('Token is not linked to client');
  });

  it('expires access tokens after 24 h and refresh tokens after ~3 months of fake time', async () => {
    await seedAccount({ tokens: [{ accessToken: 'at-t', refreshToken: 'rt-t' }] });
    await sb.control.advanceClock(86_400_000 - 5_000);
    expect((await account('at-t')).status).toBe(200);
    await sb.control.advanceClock(10_000);
    const expired = await account('at-t');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toContain('application/problem+json');
    expect(await expired.json()).toEqual({ title: 'Unauthorized', type: 'https://httpstatus.es/401', status: 401, detail: expect.any(String) });

    await sb.control.advanceClock(90 * 86_400_000);
    const r = await refresh('rt-t');
    expect(r.status).toBe(400);
    expect(r.json.hint).toBe('Token has expired');
  });

  it('can rotate server-side and then lose the answer (worker died after rotation)', async () => {
    await seedAccount({ tokens: [{ refreshToken: 'rt-lost' }] });
    await sb.control.configure('kommo', { loseTokenResponses: 1 });
    await expect(refresh('rt-lost')).rejects.toThrow();
    // The rotation happened: the only refresh token the client knows is now dead.
    const retry = await refresh('rt-lost');
    expect(retry.status).toBe(400);
    expect(retry.json.hint).toBe('Token has been revoked');
    const state = await sb.control.state<{ accounts: { tokens: { kind: string; active: boolean }[]; tokenEvents: { outcome: string }[] }[] }>('kommo', { subdomain: SUB });
    const acc = state.accounts[0];
    expect(acc?.tokenEvents.map((e) => e.outcome)).toEqual(['issued_response_lost', 'refresh_token_revoked']);
    expect(acc?.tokens.filter((t) => t.kind === 'refresh' && t.active)).toHaveLength(1);
  });
});

describe('kommo API auth', () => {
  it('401s a missing header, an unknown token, and another account\'s token', async () => {
    await seedAccount({ tokens: [{ accessToken: 'at-acme' }] });
    await sb.control.seed('kommo', { accounts: [{ subdomain: 'beta', tokens: [{ accessToken: 'at-beta' }] }] });
    const none = await fetch(`${sb.baseUrl}/kommo/${SUB}/api/v4/contacts`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { title: string }).title).toBe('Unauthorized');
    expect((await account('nope')).status).toBe(401);
    expect((await account('at-beta')).status).toBe(401);
    expect((await account('at-beta', 'beta')).status).toBe(200);
  });

  it('404s an unknown subdomain on the API', async () => {
    expect((await account('x', 'ghost')).status).toBe(404);
  });

  it('rejects a seed body that is not valid', async () => {
    await expect(sb.control.seed('kommo', { accounts: [{ subdomain: 'Bad Name' }] })).rejects.toThrow(/400/);
    await expect(sb.control.configure('kommo', { rateLimit: { perSecnd: 1 } })).rejects.toThrow(/400/);
  });
});
