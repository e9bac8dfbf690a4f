import { describe, expect, it } from 'vitest';
import { decideConsent } from '../helpers/consent';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// The Google and Zoho consent pages: approve and deny redirect back with code and state (Zoho adds location and
// accounts-server), codes are single-use and short-lived, and a refresh token comes only with offline access
// (and, for a user who granted the client before, with prompt=consent).

const REDIRECT = 'https://switchyard.test/oauth/callback';
const CLIENT = { clientId: 'cid-1', clientSecret: 'secret-1', redirectUris: [REDIRECT] };

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('google', { clients: [CLIENT], users: [{ email: 'ana@example.com' }, { email: 'bo@example.com' }] });
  await sb.control.seed('zoho', { clients: [CLIENT], accounts: [{ id: 'z-ana', email: 'ana@example.eu', dc: 'eu' }] });
});

const googleAuth = (q: Record<string, string>): string =>
  `${sb.baseUrl}/google/o/oauth2/v2/auth?${new URLSearchParams({ client_id: CLIENT.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'https://www.googleapis.com/auth/contacts', ...q }).toString()}`;
const zohoAuth = (q: Record<string, string>): string =>
  `${sb.baseUrl}/zoho/accounts/oauth/v2/auth?${new URLSearchParams({ client_id: CLIENT.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'ZohoCRM.modules.ALL', ...q }).toString()}`;

async function exchange(url: string, code: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: REDIRECT, grant_type: 'authorization_code' }).toString(),
  });
  return (await res.json()) as Record<string, unknown>;
}
const googleExchange = (code: string) => exchange(`${sb.baseUrl}/google/token`, code);
const zohoExchange = (code: string) => exchange(`${sb.baseUrl}/zoho/accounts/oauth/v2/token`, code);

describe('Google consent page', () => {
  it('redirects an approval with code, state and scope; the code is single-use and brings a refresh token with offline access and consent', async () => {
    const back = await decideConsent(googleAuth({ state: 'st-1', access_type: 'offline', prompt: 'consent', login_hint: 'bo@example.com' }), 'allow');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') ?? '';
    const first = await googleExchange(code);
    expect(first).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    const state = (await (await fetch(`${sb.baseUrl}/_control/google/state?user=bo@example.com`)).json()) as { refreshTokens: unknown[] };
    expect(state.refreshTokens).toHaveLength(1);
    expect(await googleExchange(code)).toEqual({ error: 'invalid_grant', error_description: 'Bad Request' });
  });

  it('issues no refresh token for online access, nor again without prompt=consent', async () => {
    const online = await googleExchange((await decideConsent(googleAuth({ access_type: 'online' }), 'allow', 'ana@example.com')).searchParams.get('code') ?? '');
    expect(online.access_token).toEqual(expect.any(String));
    expect(online).not.toHaveProperty('refresh_token');
    const firstOffline = await googleExchange((await decideConsent(googleAuth({ access_type: 'offline' }), 'allow', 'ana@example.com')).searchParams.get('code') ?? '');
    expect(firstOffline).toHaveProperty('refresh_token');
    const again = await googleExchange((await decideConsent(googleAuth({ access_type: 'offline' }), 'allow', 'ana@example.com')).searchParams.get('code') ?? '');
    expect(again).not.toHaveProperty('refresh_token');
  });

  it('redirects a denial with error=access_denied and the state', async () => {
    const back = await decideConsent(googleAuth({ state: 'st-2' }), 'deny');
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'st-2' });
  });

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect_uri', async () => {
    const unknown = await fetch(googleAuth({ client_id: 'nope' }), { redirect: 'manual' });
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain('invalid_client');
    const elsewhere = await fetch(googleAuth({ redirect_uri: 'https://evil.test/cb' }), { redirect: 'manual' });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('redirect_uri_mismatch');
  });

  it('refuses a code past its lifetime', async () => {
    const code = (await decideConsent(googleAuth({ access_type: 'offline' }), 'allow')).searchParams.get('code') ?? '';
    await sb.control.advanceClock(601_000);
    expect(await googleExchange(code)).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('Zoho consent page', () => {
  it('redirects an approval with code, state, location and accounts-server; the code works once, at that data centre', async () => {
    const back = await decideConsent(zohoAuth({ state: 'st-z', access_type: 'offline', prompt: 'consent' }), 'allow');
    expect(back.searchParams.get('state')).toBe('st-z');
    expect(back.searchParams.get('location')).toBe('eu');
    expect(back.searchParams.get('accounts-server')).toBe('https://accounts.zoho.eu');
    const code = back.searchParams.get('code') ?? '';
    expect(await zohoExchange(code)).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), api_domain: `${sb.baseUrl}/zoho/api` });
    expect(await zohoExchange(code)).toEqual({ error: 'invalid_code' });
  });

  it('issues no refresh token for online access (Zoho default) and refuses a code older than two minutes', async () => {
    const online = await zohoExchange((await decideConsent(zohoAuth({}), 'allow')).searchParams.get('code') ?? '');
    expect(online.access_token).toEqual(expect.any(String));
    expect(online).not.toHaveProperty('refresh_token');
    const code = (await decideConsent(zohoAuth({ access_type: 'offline' }), 'allow')).searchParams.get('code') ?? '';
    await sb.control.advanceClock(121_000);
    expect(await zohoExchange(code)).toEqual({ error: 'invalid_code' });
  });

  it('redirects a denial with error=access_denied, and shows an error page for an unregistered redirect_uri', async () => {
    const back = await decideConsent(zohoAuth({ state: 'st-d' }), 'deny');
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'st-d' });
    const elsewhere = await fetch(zohoAuth({ redirect_uri: 'https://evil.test/cb' }), { redirect: 'manual' });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('Invalid Redirect Uri');
  });
});
