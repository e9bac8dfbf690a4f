import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { accountWorkflowsQuery } from '../../common/names';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The operator page (/ui) through fastify's inject: the login form and its session cookie, the accounts page's
 * content, escaping, the per-session CSRF token, the scope rules of non-root keys, logout.
 */
const ROOT = 'root-key-for-the-ui-test-0000001';
const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>@example.com';
let env: TestEnv;
let api: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv('ui', { ROOT_API_KEY: ROOT, API_PUBLIC_URL: 'https://switchyard.test' });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  const clients = env.deps.oauthClients;
  await clients.upsert({ id: 'g-web', provider: 'google', clientId: 'g-cid', clientSecret: 'g-secret-value', label: 'Marketing <Google> project' });
  await clients.upsert({ id: 'k-web', provider: 'kommo', clientId: 'k-cid', clientSecret: 'k-secret-value', redirectUri: 'https://switchyard.test/kommo/oauth/callback' });
  const accounts = env.deps.accounts;
  await accounts.create({ id: 'google-ana', provider: 'google', oauthClientId: 'g-web', email: 'ana@example.com', refreshToken: 'rt-ana', accessToken: 'at-ana', expiresAt: new Date('2031-01-02T03:04:00Z') });
  await accounts.create({ id: 'google-bo', provider: 'google', oauthClientId: 'g-web', email: 'bo@example.com', refreshToken: 'rt-bo' });
  await accounts.markNeedsReauth('google-bo', 'AuthRevoked', 'Token has been expired or revoked.');
  await accounts.create({ id: 'google-hostile', provider: 'google', oauthClientId: 'g-web', email: HOSTILE, refreshToken: 'rt-hostile' });
  await accounts.create({ id: 'kommo-shop', provider: 'kommo', oauthClientId: 'k-web', kommoSubdomain: 'shop', refreshToken: 'rt-shop' });
  await accounts.markNeedsReauth('kommo-shop', 'AuthRevoked', 'Token has been revoked');
});
afterAll(async () => {
  await api.close();
  await env.close();
});

const cookieOf = (res: LightMyRequestResponse, name: string) => res.cookies.find((c) => c.name === name);
const formOf = (fields: Record<string, string>) => ({ payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Logs in through the form as a browser does; answers the session cookie and the page's CSRF token. */
async function login(key: string): Promise<{ cookie: string; csrf: string; page: string }> {
  const form = await api.inject({ method: 'GET', url: '/ui/login' });
  const token = cookieOf(form, 'switchyard_login')!.value;
  const res = await api.inject({ method: 'POST', url: '/ui/login', ...formOf({ apiKey: key, csrf: csrfOf(form.body) }), cookies: { switchyard_login: token } });
  expect(res.statusCode, res.body).toBe(303);
  const cookie = `switchyard_session=${cookieOf(res, 'switchyard_session')!.value}`;
  const page = await api.inject({ method: 'GET', url: '/ui/accounts', headers: { cookie } });
  expect(page.statusCode).toBe(200);
  return { cookie, csrf: csrfOf(page.body), page: page.body };
}

const post = (url: string, cookie: string, fields: Record<string, string>) => {
  const f = formOf(fields);
  return api.inject({ method: 'POST', url, payload: f.payload, headers: { ...f.headers, cookie } });
};
const stateCount = () => env.mongo.db.collection('oauth_states').countDocuments();

describe('operator page: login', () => {
  it('sends a visitor without a session to the login form', async () => {
    const res = await api.inject({ method: 'GET', url: '/ui/accounts' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/login');
    expect((await api.inject({ method: 'GET', url: '/ui' })).headers.location).toBe('/ui/accounts');
  });

  it('refuses a wrong key and a form without its token, opening no session', async () => {
    const form = await api.inject({ method: 'GET', url: '/ui/login' });
    expect(form.body).toContain('name="apiKey"');
    const token = cookieOf(form, 'switchyard_login')!.value;
    const wrong = await api.inject({ method: 'POST', url: '/ui/login', ...formOf({ apiKey: 'not-the-key-0000000000', csrf: token }), cookies: { switchyard_login: token } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That API key is not known.');
    expect(cookieOf(wrong, 'switchyard_session')).toBeUndefined();
    const noToken = await api.inject({ method: 'POST', url: '/ui/login', ...formOf({ apiKey: ROOT }) });
    expect(noToken.statusCode).toBe(403);
    expect(cookieOf(noToken, 'switchyard_session')).toBeUndefined();
    expect(await env.mongo.db.collection('ui_sessions').countDocuments()).toBe(0);
  });

  it('opens a session: an opaque id in an HttpOnly, SameSite=Strict, Secure cookie under /ui, stored hashed, never the key', async () => {
    const form = await api.inject({ method: 'GET', url: '/ui/login' });
    const token = cookieOf(form, 'switchyard_login')!.value;
    const res = await api.inject({ method: 'POST', url: '/ui/login', ...formOf({ apiKey: ROOT, csrf: token }), cookies: { switchyard_login: token } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/accounts');
    const session = cookieOf(res, 'switchyard_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true, path: '/ui' });
    expect(session.value).not.toContain(ROOT);
    expect(session.value.length).toBeGreaterThanOrEqual(43);
    const stored = JSON.stringify(await env.mongo.db.collection('ui_sessions').find().toArray());
    expect(stored).not.toContain(session.value);
    expect(stored).not.toContain(ROOT);
  });
});

describe('operator page: accounts', () => {
  it('lists accounts with provider, e-mail, status, token expiry and last refresh; those needing attention first', async () => {
    const { page } = await login(ROOT);
    const attention = page.slice(page.indexOf('id="attention"'), page.indexOf('id="all"'));
    expect(attention).toContain('Needing attention (2)');
    expect(attention).toContain('bo@example.com');
    expect(attention).toContain('shop.kommo.com');
    expect(attention).toContain('Token has been expired or revoked.');
    expect(attention).not.toContain('ana@example.com');
    const all = page.slice(page.indexOf('id="all"'));
    const ana = /<tr data-account="google-ana">(.*?)<\/tr>/.exec(all)?.[1] ?? '';
    expect(ana).toContain('Google');
    expect(ana).toContain('ana@example.com');
    expect(ana).toContain('active');
    expect(ana).toContain('2031-01-02 03:04 UTC');
    expect(ana).not.toContain('Reconnect');
    const bo = /<tr data-account="google-bo">(.*?)<\/tr>/.exec(all)?.[1] ?? '';
    expect(bo).toContain('needs reconnecting');
    expect(bo).toContain('name="account" value="google-bo"');
    expect(bo).toContain('>Reconnect</button>');
    // Each account links to its workflows in the Temporal Web UI, filtered by its search attributes.
    const link = `http://127.0.0.1:${env.settings.TEMPORAL_UI_PORT}/namespaces/${env.settings.TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(accountWorkflowsQuery('google-ana'))}`;
    expect(ana).toContain(`href="${link.replace(/&/g, '&#38;')}"`);
    expect(decodeURIComponent(link.split('query=')[1]!)).toBe('SwitchyardAccountId="google-ana" OR SwitchyardAccounts="google-ana"');
    // A Connect button per OAuth client.
    expect(page).toContain('<li data-client="g-web">');
    expect(page).toContain('<li data-client="k-web">');
    expect(page).toContain('Connect a Google account');
    expect(page).toContain('Connect a Kommo account');
  });

  it('escapes every value: a hostile e-mail and OAuth client label stay text', async () => {
    const { page } = await login(ROOT);
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('Marketing &#60;Google&#62; project');
    expect(page).not.toMatch(/<script/i);
  });

  it('serves its pages with no cache, no script, no framing', async () => {
    const { cookie } = await login(ROOT);
    const res = await api.inject({ method: 'GET', url: '/ui/accounts', headers: { cookie } });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});

describe('operator page: actions', () => {
  it('refuses a POST without the session CSRF token, or with another session\'s, issuing no state', async () => {
    const a = await login(ROOT);
    const b = await login(ROOT);
    const before = await stateCount();
    const none = await post('/ui/connect', a.cookie, { client: 'g-web' });
    expect(none.statusCode).toBe(403);
    expect(none.body).toContain('This form is not from your session');
    const other = await post('/ui/connect', a.cookie, { client: 'g-web', csrf: b.csrf });
    expect(other.statusCode).toBe(403);
    const noSession = await post('/ui/connect', '', { client: 'g-web', csrf: a.csrf });
    expect(noSession.statusCode).toBe(401);
    expect(await stateCount()).toBe(before);
  });

  it('Connect and Reconnect start the consent flows (root key)', async () => {
    const s = await login(ROOT);
    const before = await stateCount();
    const connect = await post('/ui/connect', s.cookie, { client: 'g-web', csrf: s.csrf });
    expect(connect.statusCode, connect.body).toBe(303);
    const consent = new URL(String(connect.headers.location));
    expect(consent.searchParams.get('client_id')).toBe('g-cid');
    expect(consent.searchParams.get('redirect_uri')).toBe('https://switchyard.test/oauth/google/callback');
    const reconnect = await post('/ui/reconnect', s.cookie, { account: 'google-bo', csrf: s.csrf });
    expect(reconnect.statusCode).toBe(303);
    expect(new URL(String(reconnect.headers.location)).searchParams.get('login_hint')).toBe('bo@example.com');
    const kommo = await post('/ui/reconnect', s.cookie, { account: 'kommo-shop', csrf: s.csrf });
    expect(kommo.statusCode).toBe(303);
    expect(String(kommo.headers.location)).toContain('client_id=k-cid');
    const states = await env.mongo.db.collection('oauth_states').find({}, { sort: { createdAt: -1 }, limit: 3 }).toArray();
    expect(states.map((x) => [x.provider, x.purpose, x.accountId]).sort()).toEqual([['google', 'connect', null], ['google', 'reconnect', 'google-bo'], ['kommo', 'install', 'kommo-shop']]);
    expect(await stateCount()).toBe(before + 3);
    const unknown = await post('/ui/connect', s.cookie, { client: 'nope', csrf: s.csrf });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('no OAuth client with id nope');
  });

  it('a non-root key sees the accounts and may install Kommo, but not connect Google (root key only, as in the API)', async () => {
    const { key } = await env.deps.apiKeys.create('ops-ui');
    const s = await login(key);
    expect(s.page).toContain('ops-ui');
    expect(s.page).toContain('bo@example.com');
    expect(s.page).toContain('Connect a Google account: root key only');
    expect(s.page).toContain('reconnect: root key only');
    const google = await post('/ui/connect', s.cookie, { client: 'g-web', csrf: s.csrf });
    expect(google.statusCode).toBe(403);
    expect(google.body).toContain('log in with the root API key');
    const kommo = await post('/ui/connect', s.cookie, { client: 'k-web', csrf: s.csrf });
    expect(kommo.statusCode).toBe(303);
  });

  it('logs out, and a session ends when its API key is refreshed', async () => {
    const s = await login(ROOT);
    const out = await post('/ui/logout', s.cookie, { csrf: s.csrf });
    expect(out.statusCode).toBe(303);
    expect(cookieOf(out, 'switchyard_session')).toMatchObject({ value: '', maxAge: 0 });
    expect((await api.inject({ method: 'GET', url: '/ui/accounts', headers: { cookie: s.cookie } })).statusCode).toBe(303);

    const { key } = await env.deps.apiKeys.create('short-lived');
    const k = await login(key);
    await env.deps.apiKeys.refresh('short-lived');
    const after = await api.inject({ method: 'GET', url: '/ui/accounts', headers: { cookie: k.cookie } });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/ui/login');
  });
});
