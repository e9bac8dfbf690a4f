import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// Kommo's consent page (https://www.kommo.com/oauth?client_id&state&mode at <sandbox>/kommo/www/oauth): Allow
// redirects with code, state, referer and client_id; the code is single-use and short-lived; Deny per switch.

const REDIRECT = 'https://switchyard.test/kommo/callback';
const CLIENT = { client_id: 'cid-shared', client_secret: 'secret-shared' };

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.configure('kommo', { rateLimit: { perSecond: 0 } });
  await sb.control.seed('kommo', {
    accounts: [{ subdomain: 'acme', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: REDIRECT }],
  });
});

const consentUrl = (q: Record<string, string>): string => `${sb.baseUrl}/kommo/www/oauth?${new URLSearchParams(q).toString()}`;

/** Posts the consent form the page shows, as the browser would, and returns the redirect (not followed). */
async function decide(fields: Record<string, string>): Promise<Response> {
  return fetch(`${sb.baseUrl}/kommo/www/oauth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

async function exchange(code: string, sub = 'acme'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sb.baseUrl}/kommo/${sub}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...CLIENT, grant_type: 'authorization_code', code, redirect_uri: REDIRECT }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function location(res: Response): URL {
  const to = res.headers.get('location');
  if (!to) throw new Error(`no redirect (status ${res.status})`);
  return new URL(to);
}

describe('kommo consent page', () => {
  it('shows the integration with Allow and Deny, carrying client_id, state and mode in its form', async () => {
    const res = await fetch(consentUrl({ client_id: CLIENT.client_id, state: 'st-1', mode: 'popup' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('value="allow"');
    expect(html).toContain('value="deny"');
    expect(html).toContain('name="client_id" value="cid-shared"');
    expect(html).toContain('name="state" value="st-1"');
    expect(html).toContain('name="mode" value="popup"');
    expect(html).toContain('name="subdomain" value="acme"');
  });

  it('redirects an approval to the redirect URI with code, state, referer and client_id; the code opens the API', async () => {
    const res = await decide({ client_id: CLIENT.client_id, state: 'st-2', mode: 'post_message', decision: 'allow' });
    expect(res.status).toBe(302);
    const to = location(res);
    expect(`${to.origin}${to.pathname}`).toBe(REDIRECT);
    expect(to.searchParams.get('state')).toBe('st-2');
    expect(to.searchParams.get('referer')).toBe('acme.kommo.com');
    expect(to.searchParams.get('client_id')).toBe(CLIENT.client_id);
    const code = to.searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    const account = await fetch(`${sb.baseUrl}/kommo/acme/api/v4/account`, { headers: { authorization: `Bearer ${String(first.json.access_token)}` } });
    expect(account.status).toBe(200);
  });

  it('makes codes single-use', async () => {
    const code = location(await decide({ client_id: CLIENT.client_id, decision: 'allow' })).searchParams.get('code') ?? '';
    expect((await exchange(code)).status).toBe(200);
    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(again.json.hint).toBe('Authorization code has been revoked');
  });

  it('makes codes short-lived: 20 minutes on the fake clock', async () => {
    const early = location(await decide({ client_id: CLIENT.client_id, decision: 'allow' })).searchParams.get('code') ?? '';
    const late = location(await decide({ client_id: CLIENT.client_id, decision: 'allow' })).searchParams.get('code') ?? '';
    await sb.control.advanceClock(19 * 60_000);
    expect((await exchange(early)).status).toBe(200);
    await sb.control.advanceClock(61_000);
    const expired = await exchange(late);
    expect(expired.status).toBe(400);
    expect(expired.json.hint).toBe('Authorization code has expired');
  });

  it('redirects a refusal with error=access_denied and no code', async () => {
    const to = location(await decide({ client_id: CLIENT.client_id, state: 'st-3', decision: 'deny' }));
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('state')).toBe('st-3');
    expect(to.searchParams.get('client_id')).toBe(CLIENT.client_id);
    expect(to.searchParams.has('code')).toBe(false);
  });

  it('only posts the refusal to the opener when consent.onDeny is "page"', async () => {
    await sb.control.configure('kommo', { consent: { onDeny: 'page' } });
    const res = await decide({ client_id: CLIENT.client_id, state: 'st-4', decision: 'deny' });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('"error":"access_denied"');
  });

  it('lets the user choose among several accounts of the client, and requires the choice', async () => {
    await sb.control.seed('kommo', {
      accounts: [{ subdomain: 'beta', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: REDIRECT }],
    });
    const html = await (await fetch(consentUrl({ client_id: CLIENT.client_id }))).text();
    expect(html).toContain('<select name="subdomain">');
    expect(html).toContain('beta.kommo.com');
    expect((await decide({ client_id: CLIENT.client_id, decision: 'allow' })).status).toBe(400);
    const to = location(await decide({ client_id: CLIENT.client_id, decision: 'allow', subdomain: 'beta' }));
    expect(to.searchParams.get('referer')).toBe('beta.kommo.com');
    expect((await exchange(to.searchParams.get('code') ?? '', 'beta')).status).toBe(200);
  });

  it('refuses an unknown client, a missing client_id and an unknown mode', async () => {
    expect((await fetch(consentUrl({ client_id: 'nobody' }))).status).toBe(404);
    expect((await fetch(consentUrl({ state: 'x' }))).status).toBe(400);
    expect((await fetch(consentUrl({ client_id: CLIENT.client_id, mode: 'iframe' }))).status).toBe(400);
    expect((await decide({ client_id: CLIENT.client_id, decision: 'maybe' })).status).toBe(400);
  });

  it('keeps www for the consent page: an account cannot be seeded there', async () => {
    await expect(sb.control.seed('kommo', { accounts: [{ subdomain: 'www' }] })).rejects.toThrow(/400/);
  });
});
