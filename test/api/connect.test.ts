import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Transporter } from 'nodemailer';
import { createAlertActivities } from '../../activities/alerts';
import { buildApi } from '../../clients/api/server';
import { SA, SIGNALS, workflowsOfAccount } from '../../common/names';
import { decideConsent } from '../helpers/consent';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, unique, type TestEnv } from '../helpers/stack';

// Connecting accounts in the browser: the API's start routes, the sandbox's consent pages followed with plain
// HTTP, and the API's public callbacks, on the real local stack (MongoDB, Temporal). Every refusal changes nothing.

const ROOT = 'root-key-for-the-connect-test-01';
const PUBLIC = 'https://switchyard.test';
const GOOGLE_CB = `${PUBLIC}/oauth/google/callback`;
const ZOHO_CB = `${PUBLIC}/oauth/zoho/callback`;
let env: TestEnv;
let sandbox: RunningSandbox;
let api: FastifyInstance;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('connect', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PUBLIC_URL: PUBLIC });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  await call('POST', '/api/oauth-clients', ROOT, { id: 'g-web', provider: 'google', clientId: 'g-cid', clientSecret: 'g-secret-value' });
  await call('POST', '/api/oauth-clients', ROOT, { id: 'z-web', provider: 'zoho', clientId: 'z-cid', clientSecret: 'z-secret-value' });
});
afterAll(async () => {
  await api.close();
  await env.close();
  await sandbox.close();
});
beforeEach(async () => {
  await sandbox.control.reset();
  await sandbox.control.seed('google', { clients: [{ clientId: 'g-cid', clientSecret: 'g-secret-value', redirectUris: [GOOGLE_CB] }], users: [{ email: 'ana@example.com' }, { email: 'bo@example.com' }] });
  await sandbox.control.seed('zoho', { clients: [{ clientId: 'z-cid', clientSecret: 'z-secret-value', redirectUris: [ZOHO_CB] }], accounts: [{ id: 'z-1', email: 'ops@example.eu', dc: 'eu' }] });
});

const call = (method: 'GET' | 'POST', url: string, key?: string, payload?: unknown) =>
  api.inject({ method, url, ...(key ? { headers: { 'x-api-key': key } } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

/** The provider's redirect, delivered to the API's callback as the browser would. */
const callback = (back: URL) => api.inject({ method: 'GET', url: `${back.pathname}${back.search}` });

async function consentUrl(path: string): Promise<string> {
  const res = await call('GET', path, ROOT);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { url: string }).url;
}

const accountCount = () => env.mongo.db.collection('accounts').countDocuments();

describe('connecting accounts through the consent page', () => {
  it('answers the consent URL only to the root key, with offline access, consent and the registered callback', async () => {
    expect((await call('GET', '/api/connect/google?client=g-web')).statusCode).toBe(401);
    const url = new URL(await consentUrl('/api/connect/google?client=g-web'));
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.baseUrl}/google/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'g-cid', redirect_uri: GOOGLE_CB, response_type: 'code', access_type: 'offline', prompt: 'consent' });
    expect(url.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/contacts');
    const redirect = await call('GET', '/connect/zoho?client=z-web', ROOT);
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toContain(`${sandbox.baseUrl}/zoho/accounts/oauth/v2/auth?`);
    expect((await call('GET', '/api/connect/google?client=z-web', ROOT)).statusCode).toBe(400);
    expect((await call('GET', '/api/connect/kommo?client=g-web', ROOT)).statusCode).toBe(400);
  });

  it('connects a Google account: the e-mail comes from the People API, the tokens are stored encrypted', async () => {
    const back = await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'allow', 'ana@example.com');
    const page = await callback(back);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Account connected');
    const accounts = (await call('GET', '/api/accounts?provider=google', ROOT)).json() as { id: string; email: string; status: string; oauthClientId: string; tokenExpiresAt: string | null }[];
    const ana = accounts.find((a) => a.email === 'ana@example.com');
    expect(ana).toMatchObject({ status: 'active', oauthClientId: 'g-web', tokenExpiresAt: expect.any(String) });
    const issued = (await (await fetch(`${sandbox.baseUrl}/_control/google/state?user=ana@example.com`)).json()) as { refreshTokens: { token: string }[] };
    const stored = JSON.stringify(await env.mongo.db.collection('accounts').findOne({ _id: ana!.id as never }));
    expect(stored).not.toContain(issued.refreshTokens[0]!.token);
    // The refresh token works: a refresh through the API's workflow would use it; here the store decrypts it.
    const creds = await env.deps.accounts.credentials(await env.deps.accounts.get(ana!.id));
    expect(creds.refreshToken).toBe(issued.refreshTokens[0]!.token);
  });

  it('connects a Zoho account at the data centre the callback names, with the CRM user as its e-mail', async () => {
    const back = await decideConsent(await consentUrl('/api/connect/zoho?client=z-web'), 'allow');
    expect(back.searchParams.get('accounts-server')).toBe('https://accounts.zoho.eu');
    const page = await callback(back);
    expect(page.statusCode, page.body).toBe(200);
    const doc = await env.deps.accounts.findByKey('zoho', 'ops@example.eu');
    expect(doc).toMatchObject({ provider: 'zoho', status: 'active', zoho: { dataCentre: 'eu' } });
  });

  it('refuses a callback naming an accounts server that is not Zoho’s, changing nothing', async () => {
    const back = await decideConsent(await consentUrl('/api/connect/zoho?client=z-web'), 'allow');
    back.searchParams.set('accounts-server', 'https://accounts.evil.test');
    const before = await accountCount();
    const page = await callback(back);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('Unknown Zoho data centre');
    expect(await accountCount()).toBe(before);
    const exchanges = await sandbox.control.requests({ provider: 'zoho', path: '/zoho/accounts/oauth/v2/token' });
    expect(exchanges).toHaveLength(0);
  });

  it('ends a denied consent on a page, creates nothing, and spends the state', async () => {
    const before = await accountCount();
    const back = await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    const page = await callback(back);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('Access was not granted');
    expect(await accountCount()).toBe(before);
    expect((await callback(back)).body).toContain('already used');
  });

  it('refuses a forged, a replayed and an expired state, changing nothing', async () => {
    const before = await accountCount();
    const back = await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'allow', 'bo@example.com');
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged.state');
    const forgedPage = await callback(forged);
    expect(forgedPage.statusCode).toBe(400);
    expect(forgedPage.body).toContain('This link cannot be used');
    const missing = new URL(back);
    missing.searchParams.delete('state');
    expect((await callback(missing)).statusCode).toBe(400);
    expect(await accountCount()).toBe(before);

    expect((await callback(back)).statusCode).toBe(200);
    const replay = await callback(back);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already used');

    const late = await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'allow', 'ana@example.com');
    await env.mongo.db.collection('oauth_states').updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await callback(late);
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('expired');
    expect(await accountCount()).toBe(before + 1);
  });

  it('ends on a page when the provider refuses the code, creating nothing', async () => {
    const before = await accountCount();
    const back = await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'allow', 'ana@example.com');
    await sandbox.control.advanceClock(601_000); // past the code's lifetime
    const page = await callback(back);
    expect(page.statusCode).toBe(502);
    expect(page.body).toContain('The provider refused the connection');
    expect(page.body).toContain('invalid_grant');
    expect(page.body).not.toContain(back.searchParams.get('code') ?? 'no code');
    expect(await accountCount()).toBe(before);
  });
});

describe('reconnecting an account', () => {
  /** A connected account marked needs_reauth, and a running workflow tagged with it (no worker: it only waits). */
  async function revokedAccountWithWorkflow(email: string): Promise<{ id: string; workflowId: string }> {
    await callback(await decideConsent(await consentUrl('/api/connect/google?client=g-web'), 'allow', email));
    const doc = await env.deps.accounts.findByKey('google', email);
    await env.deps.accounts.markNeedsReauth(doc!._id, 'AuthRevoked', 'refresh token rejected (invalid_grant)');
    const workflowId = unique('paused-by-revocation');
    await env.client.workflow.start('contactSync', { workflowId, taskQueue: unique('nobody-polls'), args: [{ pairingId: 'none' }], typedSearchAttributes: [{ key: SA.accountId, value: doc!._id }] });
    // Visibility lags behind the start; the reconnection finds the workflow through it.
    for (let i = 0; i < 100; i++) {
      const listed = [];
      for await (const wf of env.client.workflow.list({ query: workflowsOfAccount(doc!._id) })) listed.push(wf.workflowId);
      if (listed.includes(workflowId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { id: doc!._id, workflowId };
  }

  const signalsOf = async (workflowId: string): Promise<string[]> => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
  };

  it('reconnects a needs_reauth account as the same user: same id, active again, its workflows resumed', async () => {
    const { id, workflowId } = await revokedAccountWithWorkflow('ana@example.com');
    try {
      const back = await decideConsent(await consentUrl(`/api/connect/google?account=${id}`), 'allow', 'ana@example.com');
      const page = await callback(back);
      expect(page.statusCode, page.body).toBe(200);
      expect(page.body).toContain('Account reconnected');
      expect((await call('GET', `/api/accounts/${id}`, ROOT)).json()).toMatchObject({ id, status: 'active', isActive: true, lastError: null });
      expect(await signalsOf(workflowId)).toEqual([SIGNALS.resume]);
    } finally {
      await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  it('refuses a reconnection that comes back as a different user, changing nothing', async () => {
    const { id, workflowId } = await revokedAccountWithWorkflow('bo@example.com');
    try {
      const before = await env.deps.accounts.get(id);
      const back = await decideConsent(await consentUrl(`/api/connect/google?account=${id}`), 'allow', 'ana@example.com');
      const page = await callback(back);
      expect(page.statusCode).toBe(409);
      expect(page.body).toContain('A different account');
      const after = await env.deps.accounts.get(id);
      expect(after.status).toBe('needs_reauth');
      expect(after.token).toEqual(before.token);
      expect(await signalsOf(workflowId)).toEqual([]);
    } finally {
      await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  it('puts a reconnect link in the revoked-token e-mail that works until its reconnection succeeds', async () => {
    const { id, workflowId } = await revokedAccountWithWorkflow('ana@example.com');
    try {
      const sent: string[] = [];
      const mailer = { sendMail: async (m: { text: string }) => (sent.push(m.text), { messageId: 'm-1' }) } as unknown as Transporter;
      await createAlertActivities({ mailer, settings: env.settings, accounts: env.deps.accounts, oauthStates: env.deps.oauthStates }).sendAlert({ subject: 's', text: 'revoked', reconnectAccountId: id });
      const link = new URL(/https:\/\/switchyard\.test\/oauth\/reconnect\/\S+/.exec(sent[0] ?? '')?.[0] ?? 'https://none.test/');
      expect(link.pathname).toMatch(/^\/oauth\/reconnect\//);
      const forged = await api.inject({ method: 'GET', url: `${link.pathname}x` });
      expect(forged.statusCode).toBe(400);
      const visit = await api.inject({ method: 'GET', url: link.pathname });
      expect(visit.statusCode).toBe(302);
      const consent = new URL(String(visit.headers.location));
      expect(consent.searchParams.get('login_hint')).toBe('ana@example.com');
      const page = await callback(await decideConsent(consent.toString(), 'allow', 'ana@example.com'));
      expect(page.statusCode, page.body).toBe(200);
      expect(await signalsOf(workflowId)).toEqual([SIGNALS.resume]);
      const again = await api.inject({ method: 'GET', url: link.pathname });
      expect(again.statusCode).toBe(400);
      expect(again.body).toContain('already used');
    } finally {
      await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });
});
