import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { launchChromium } from '../helpers/chromium';
import { waitFor } from '../helpers/capture';
import { freePort } from '../helpers/free-port';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The operator page in a real browser (headless Chromium): log in, Connect a Google account through the sandbox's
 * consent page, a denied consent, an account whose grant was revoked (a real refresh on a worker puts it in
 * needs_reauth) shown as needing attention and reconnected, and a forged state. After each, the account is read
 * back through the HTTP API. Screenshots land in test-results/screenshots/ (git-ignored) for review.
 */
const ROOT = 'root-key-for-the-browser-test-01';
const SHOTS = path.join(__dirname, '..', '..', 'test-results', 'screenshots');
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let browser: Browser;
let page: Page;
let apiUrl = '';

interface AccountJson {
  id: string;
  email: string;
  status: string;
  lastError: { kind: string } | null;
}

beforeAll(async () => {
  // First, so a machine without Chromium fails here with how to install it, before anything else starts.
  browser = await launchChromium();
  sandbox = await startSandbox();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  env = await createTestEnv('browser', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, API_PUBLIC_URL: apiUrl });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  await api.listen({ host: '127.0.0.1', port });
  await sandbox.control.seed('google', { clients: [{ clientId: 'g-cid', clientSecret: 'g-secret-value', redirectUris: [`${apiUrl}/oauth/google/callback`] }], users: [{ email: 'ana@example.com' }, { email: 'bo@example.com' }] });
  await env.deps.oauthClients.upsert({ id: 'g-web', provider: 'google', clientId: 'g-cid', clientSecret: 'g-secret-value', label: 'Google (browser test)' });
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });
  page = await browser.newPage();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await env?.close();
  await sandbox?.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const heading = () => page.$eval('h1', (e) => e.textContent ?? '');
/** Clicks and waits for the navigation it starts (through any redirects) to load. */
const clickAndWait = async (selector: string) => {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
};
/** The accounts as the HTTP API answers them. */
async function googleAccounts(): Promise<AccountJson[]> {
  const res = await fetch(`${apiUrl}/api/accounts?provider=google`, { headers: { 'x-api-key': ROOT } });
  expect(res.status).toBe(200);
  return (await res.json()) as AccountJson[];
}
async function account(id: string): Promise<AccountJson> {
  const res = await fetch(`${apiUrl}/api/accounts/${id}`, { headers: { 'x-api-key': ROOT } });
  expect(res.status).toBe(200);
  return (await res.json()) as AccountJson;
}
/** From the accounts page: Connect through g-web, then on the fake's consent page choose a user and decide. */
async function connectAs(user: string, decision: 'allow' | 'deny', tamper?: () => Promise<void>): Promise<void> {
  await clickAndWait('li[data-client="g-web"] button[type="submit"]');
  expect(page.url().startsWith(`${sandbox.baseUrl}/google/o/oauth2/v2/auth?`)).toBe(true);
  await page.select('select[name="user"]', user);
  await tamper?.();
  await clickAndWait(`button[value="${decision}"]`);
}
const toAccounts = async () => {
  await page.goto(`${apiUrl}/ui/accounts`, { waitUntil: 'load' });
  expect(page.url()).toBe(`${apiUrl}/ui/accounts`);
};

describe('operator page in a browser', () => {
  it('logs in with the API key', async () => {
    await page.goto(`${apiUrl}/ui/accounts`, { waitUntil: 'load' });
    expect(page.url()).toBe(`${apiUrl}/ui/login`);
    await page.type('input[name="apiKey"]', 'not-the-right-key-000000');
    await clickAndWait('form button[type="submit"]');
    expect(await page.content()).toContain('That API key is not known.');
    await page.type('input[name="apiKey"]', ROOT);
    await shot('01-login');
    await clickAndWait('form button[type="submit"]');
    expect(page.url()).toBe(`${apiUrl}/ui/accounts`);
    expect(await heading()).toBe('Accounts');
    const cookies = await browser.cookies();
    expect(cookies.find((c) => c.name === 'switchyard_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });
  });

  it('connects a Google account: Connect, Allow on the consent page, back connected', async () => {
    await connectAs('ana@example.com', 'allow');
    expect(page.url().startsWith(`${apiUrl}/oauth/google/callback?`)).toBe(true);
    expect(await heading()).toBe('Account connected');
    await shot('02-connected');
    const ana = (await googleAccounts()).find((a) => a.email === 'ana@example.com');
    expect(ana).toMatchObject({ status: 'active', lastError: null });
    await clickAndWait('a[href="/ui/accounts"]');
    expect(await page.$eval(`tr[data-account="${ana!.id}"] td.status`, (e) => e.textContent ?? '')).toBe('active');
    await shot('03-accounts-connected');
  });

  it('a denied consent ends on a page and connects nobody', async () => {
    await toAccounts();
    await connectAs('bo@example.com', 'deny');
    expect(await heading()).toBe('Access was not granted');
    await shot('04-denied');
    expect((await googleAccounts()).map((a) => a.email)).toEqual(['ana@example.com']);
  });

  it('a revoked account shows as needing attention; Reconnect brings it back, same id', async () => {
    const ana = (await googleAccounts()).find((a) => a.email === 'ana@example.com')!;
    await sandbox.control.call('POST', '/google/revoke', { user: 'ana@example.com' });
    // A real refresh on a worker meets invalid_grant and marks the account needs_reauth.
    await env.withWorker(async () => {
      const res = await fetch(`${apiUrl}/api/accounts/${ana.id}/refresh`, { method: 'POST', headers: { 'x-api-key': ROOT, 'content-type': 'application/json' }, body: JSON.stringify({ force: true }) });
      expect(res.status).toBe(202);
      await waitFor('the refresh to mark the account needs_reauth', async () => ((await account(ana.id)).status === 'needs_reauth' ? true : undefined), 60_000);
    });
    expect((await account(ana.id)).lastError).toMatchObject({ kind: 'AuthRevoked' });

    await toAccounts();
    const attention = `#attention + table tr[data-account="${ana.id}"]`;
    expect(await page.$eval(`${attention} td.status`, (e) => e.textContent ?? '')).toContain('needs reconnecting');
    await shot('05-accounts-needing-attention');

    await clickAndWait(`${attention} button[type="submit"]`);
    expect(page.url().startsWith(`${sandbox.baseUrl}/google/o/oauth2/v2/auth?`)).toBe(true);
    expect(new URL(page.url()).searchParams.get('login_hint')).toBe('ana@example.com');
    await page.select('select[name="user"]', 'ana@example.com');
    await clickAndWait('button[value="allow"]');
    expect(await heading()).toBe('Account reconnected');
    await shot('06-reconnected');
    expect(await account(ana.id)).toMatchObject({ id: ana.id, status: 'active', lastError: null });
    expect(await googleAccounts()).toHaveLength(1);

    await clickAndWait('a[href="/ui/accounts"]');
    expect(await page.$(attention)).toBeNull();
    expect(await page.$eval(`tr[data-account="${ana.id}"] td.status`, (e) => e.textContent ?? '')).toBe('active');
    await shot('07-accounts-after-reconnect');
  });

  it('a forged state ends on the error page and connects nobody', async () => {
    await toAccounts();
    await connectAs('bo@example.com', 'allow', async () => {
      // What an attacker's link would carry: a state we never issued, with the provider's real code.
      await page.evaluate("document.querySelector('input[name=\"state\"]').value = 'forged-nonce.forged-signature'");
    });
    expect(page.url()).toContain('state=forged-nonce.forged-signature');
    expect(await heading()).toBe('This link cannot be used');
    await shot('08-forged-state');
    expect((await googleAccounts()).map((a) => a.email)).toEqual(['ana@example.com']);
  });
});
