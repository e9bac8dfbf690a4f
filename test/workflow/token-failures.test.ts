import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { startRefreshToken } from '../../clients/tokens';
import { createLogger } from '../../config/logger';
import type { OAuthProvider } from '../../common/names';
import { CapturedLog, historiesText } from '../helpers/capture';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { leakedSecrets, sandboxCredentials } from '../helpers/secrets';
import { createTestEnv, sdkLog, unique, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorkers } from '../helpers/workers';

/**
 * Every provider's token refresh failing transiently, permanently and by timeout, run by a real worker process
 * (the production logger), then every line of every log (the worker's output, the API's log, the test process's
 * captures) and every workflow history is searched for every credential the sandbox was sent or issued.
 */
const ROOT = 'root-key-for-the-failures-test-01';
const CLIENTS = {
  google: { clientId: 'fail-google.apps.googleusercontent.com', clientSecret: 'GOCSPX-failures-google-secret' },
  zoho: { clientId: '1000.FAILURESZOHO', clientSecret: 'failures-zoho-client-secret' },
  kommo: { clientId: 'failures-kommo-integration', clientSecret: 'failures-kommo-client-secret', redirectUri: 'https://switchyard.example/kommo/callback' },
} as const;

const testLog = new CapturedLog();
const apiLog = new CapturedLog();
const workerOutput: string[] = [];
const workflowIds: string[] = [];
const seeded = new Set<string>(Object.values(CLIENTS).map((c) => c.clientSecret));
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let worker: ChildProcess;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('token-failures', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, ROOT_API_KEY: ROOT, TOKEN_REFRESH_MAX_TRANSIENT_FAILURES: 4, LOG_LEVEL: 'info' }, { logDestination: testLog });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client, log: createLogger({ LOG_LEVEL: 'info' }, 'api', apiLog) });
  await sandbox.control.seed('google', { clients: [{ ...CLIENTS.google, redirectUris: [] }] });
  await sandbox.control.seed('zoho', { clients: [CLIENTS.zoho] });
  for (const provider of ['google', 'zoho', 'kommo'] as const) {
    await env.deps.oauthClients.upsert({ id: `${provider}-main`, provider, ...CLIENTS[provider] });
  }
  worker = spawnWorker(
    { ...process.env, TEMPORAL_TASK_QUEUE: env.taskQueue, MONGODB_URI: env.mongoUri(), PROVIDERS_SANDBOX_URL: sandbox.baseUrl, CREATE_SCHEDULES: 'false', LOG_LEVEL: 'info', TOKEN_REFRESH_MAX_TRANSIENT_FAILURES: '4' },
    ['ignore', 'pipe', 'pipe'],
  );
  worker.stdout!.on('data', (d: Buffer) => workerOutput.push(d.toString()));
  worker.stderr!.on('data', (d: Buffer) => workerOutput.push(d.toString()));
});

afterAll(async () => {
  await stopWorkers();
  await api.close();
  await env.close();
  await sandbox.close();
});

/** Accounts of one provider: `ok-*` refresh fine, `revoked-*` hold a refresh token the provider refuses. */
async function accountsOf(provider: OAuthProvider, tag: string): Promise<{ ok: string; revoked: string }> {
  const ok = `${provider}-ok-${tag}`;
  const revoked = `${provider}-revoked-${tag}`;
  const goodRefresh = `rt-good-${provider}-${tag}-${unique('r')}`;
  const badRefresh = `rt-bad-${provider}-${tag}-${unique('r')}`;
  seeded.add(goodRefresh).add(badRefresh);
  const email = (id: string): string => `${id}@example.com`;
  if (provider === 'google') {
    await sandbox.control.seed('google', { users: [{ email: email(ok), clientId: CLIENTS.google.clientId, refreshToken: goodRefresh }] });
  } else if (provider === 'zoho') {
    await sandbox.control.seed('zoho', { accounts: [{ id: ok, email: email(ok), dc: 'eu', refreshToken: goodRefresh, clientId: CLIENTS.zoho.clientId }] });
  } else {
    const access = `kommo-access-${tag}-${unique('a')}`;
    seeded.add(access);
    // The revoked account exists at Kommo, with a refresh token other than the one we hold.
    await sandbox.control.seed('kommo', {
      accounts: [
        { subdomain: ok, ...CLIENTS.kommo, tokens: [{ accessToken: access, refreshToken: goodRefresh, accessExpiresInSeconds: 3600 }] },
        { subdomain: revoked, ...CLIENTS.kommo, tokens: [{ accessToken: `${access}-other`, refreshToken: `${goodRefresh}-other`, accessExpiresInSeconds: 3600 }] },
      ],
    });
  }
  const base = { provider, oauthClientId: `${provider}-main` } as const;
  const extra = (id: string) => (provider === 'kommo' ? { kommoSubdomain: id === ok ? ok : revoked } : { email: email(id), ...(provider === 'zoho' ? { zohoDataCentre: 'eu' as const } : {}) });
  await env.deps.accounts.create({ ...base, id: ok, refreshToken: goodRefresh, ...extra(ok) });
  await env.deps.accounts.create({ ...base, id: revoked, refreshToken: badRefresh, ...extra(revoked) });
  return { ok, revoked };
}

async function refresh(accountId: string, provider: OAuthProvider): Promise<{ ok: boolean; message: string }> {
  const handle = await startRefreshToken(env.client, env.settings, accountId, provider);
  workflowIds.push(handle.workflowId);
  return handle.result().then(
    (r) => ({ ok: true, message: r.outcome }),
    (e: unknown) => ({ ok: false, message: String((e as { cause?: { message?: string } }).cause?.message ?? e) }),
  );
}

const tokenPath: Record<OAuthProvider, string> = { google: '/token', zoho: '/oauth/v2/token', kommo: '/oauth2/access_token' };

describe('no credential in any log line or history when refreshes fail', () => {
  it('every provider: a transient failure, then a success', async () => {
    const accounts = await Promise.all((['google', 'zoho', 'kommo'] as const).map(async (p) => [p, await accountsOf(p, 'transient')] as const));
    for (const [provider] of accounts) {
      await sandbox.control.armFault({ provider, path: tokenPath[provider], times: 1, status: 503, body: { error: 'backend_error', message: 'try later' } });
    }
    const results = await Promise.all(accounts.map(([provider, a]) => refresh(a.ok, provider)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  }, 120_000);

  it('every provider: a revoked refresh token fails for good', async () => {
    const accounts = await Promise.all((['google', 'zoho', 'kommo'] as const).map(async (p) => [p, await accountsOf(p, 'permanent')] as const));
    const results = await Promise.all(accounts.map(([provider, a]) => refresh(a.revoked, provider)));
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
    for (const [i, [, a]] of accounts.entries()) expect((await env.deps.accounts.get(a.revoked)).status, results[i]!.message).toBe('needs_reauth');
  }, 120_000);

  it('every provider: a token endpoint that does not answer in time, then answers', async () => {
    const accounts = await Promise.all((['google', 'zoho', 'kommo'] as const).map(async (p) => [p, await accountsOf(p, 'timeout')] as const));
    for (const [provider] of accounts) {
      // Longer than the refresh's HTTP timeout: the attempt fails on its own clock, the retry succeeds.
      await sandbox.control.armFault({ provider, path: tokenPath[provider], times: 1, delayMs: 20_000, status: 503 });
    }
    const results = await Promise.all(accounts.map(([provider, a]) => refresh(a.ok, provider)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  }, 180_000);

  it('the API: a Kommo authorization code refused, and an unknown OAuth client', async () => {
    seeded.add('kommo-auth-code-refused-0001');
    const refused = await api.inject({
      method: 'POST',
      url: '/api/accounts',
      headers: { 'x-api-key': ROOT },
      payload: { provider: 'kommo', oauthClientId: 'kommo-main', kommoSubdomain: 'nosuchaccount', authorizationCode: 'kommo-auth-code-refused-0001' },
    });
    expect(refused.statusCode).toBeLessThan(500);
    seeded.add('rt-for-an-unknown-client-0001');
    const unknown = await api.inject({
      method: 'POST',
      url: '/api/accounts',
      headers: { 'x-api-key': ROOT },
      payload: { provider: 'zoho', oauthClientId: 'no-such-client', email: 'x@example.com', refreshToken: 'rt-for-an-unknown-client-0001' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/oauthClientId/);
  });

  it('finds none of the credentials in the worker output, the API log, the test logs or the histories', async () => {
    const secrets = new Set([...seeded, ...(await sandboxCredentials(sandbox.control))]);
    // The sandbox issued access tokens, and was sent refresh tokens and client secrets: all of them are searched.
    expect(secrets.size).toBeGreaterThan(20);
    const worker = workerOutput.join('');
    // The failures were logged (the scan is not of an empty text): the SDK's warnings with their error chains.
    expect(worker).toContain('Activity failed');
    expect(worker).toMatch(/invalid_grant|invalid_code|revoked/);
    const texts = { worker, api: apiLog.text, test: testLog.text, sdk: sdkLog.text, histories: await historiesText(env.client, workflowIds) };
    for (const [where, text] of Object.entries(texts)) expect(leakedSecrets(text, secrets), `secrets in ${where}`).toEqual([]);
  });
});
