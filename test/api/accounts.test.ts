import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { ensureSchedules, tokenSchedules } from '../../clients/schedules';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

const ROOT = 'root-key-for-the-api-test-0001';
let env: TestEnv;
let sandbox: RunningSandbox;
let api: FastifyInstance;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('api', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
});
afterAll(async () => {
  await api.close();
  await env.close();
  await sandbox.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key?: string, payload?: unknown) =>
  api.inject({ method, url, ...(key ? { headers: { 'x-api-key': key } } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

describe('HTTP API: keys and accounts', () => {
  let named = '';

  it('answers 401 without a key or with an unknown one, naming the problem', async () => {
    expect((await call('GET', '/api/accounts')).json()).toEqual({ error: 'unauthorized', message: 'missing x-api-key header' });
    const res = await call('GET', '/api/accounts', 'nope');
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('unknown API key');
  });

  it('lets only the root key create named keys, shown once and stored hashed', async () => {
    const created = await call('POST', '/api/keys', ROOT, { name: 'maria' });
    expect(created.statusCode).toBe(201);
    named = created.json().key;
    expect(named).toMatch(/^sy_/);
    const stored = await env.mongo.db.collection('api_keys').findOne({ _id: 'maria' as never });
    expect(JSON.stringify(stored)).not.toContain(named);
    expect((await call('POST', '/api/keys', named, { name: 'other' })).statusCode).toBe(403);
    expect((await call('POST', '/api/keys', ROOT, { name: 'maria' })).statusCode).toBe(409);
    expect((await call('DELETE', '/api/keys/root', ROOT)).statusCode).toBe(403);
    const list = await call('GET', '/api/keys', ROOT);
    expect(list.json().map((k: { name: string }) => k.name).sort()).toEqual(['maria', 'root']);
    expect(JSON.stringify(list.json())).not.toContain('hash');
  });

  it('adds accounts with the root key and lists them without any secret', async () => {
    const client = await call('POST', '/api/oauth-clients', ROOT, { id: 'g1', provider: 'google', clientId: 'cid', clientSecret: 'client-secret-value' });
    expect(client.statusCode).toBe(201);
    const add = await call('POST', '/api/accounts', ROOT, { id: 'acc-1', provider: 'google', oauthClientId: 'g1', email: 'a@example.com', refreshToken: 'refresh-token-value' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ id: 'acc-1', provider: 'google', type: 'GMAIL', status: 'active', isActive: true });
    expect((await call('POST', '/api/accounts', named, { id: 'x', provider: 'google', oauthClientId: 'g1', email: 'b@example.com', refreshToken: 'r' })).statusCode).toBe(403);
    const list = await call('GET', '/api/accounts?provider=google', named);
    expect(list.statusCode).toBe(200);
    const text = list.body;
    expect(text).toContain('acc-1');
    for (const secret of ['refresh-token-value', 'client-secret-value']) expect(text).not.toContain(secret);
    const stored = JSON.stringify(await env.mongo.db.collection('accounts').findOne({ _id: 'acc-1' as never }));
    expect(stored).not.toContain('refresh-token-value');
  });

  it('rejects a bad account with a 400 that names the field', async () => {
    const res = await call('POST', '/api/accounts', ROOT, { provider: 'google', oauthClientId: 'g1', email: 'not-an-email', refreshToken: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/email/);
    expect(res.json().message).toMatch(/refreshToken/);
    expect((await call('GET', '/api/accounts/missing', named)).statusCode).toBe(404);
  });

  it('connects a Kommo account from an authorization code of its install flow', async () => {
    await sandbox.control.seed('kommo', { accounts: [{ subdomain: 'shop', clientId: 'k-int', clientSecret: 'k-secret', redirectUri: 'https://sy.example/cb', authorizationCodes: ['code-123'] }] });
    await call('POST', '/api/oauth-clients', ROOT, { id: 'k1', provider: 'kommo', clientId: 'k-int', clientSecret: 'k-secret', redirectUri: 'https://sy.example/cb' });
    const res = await call('POST', '/api/accounts', ROOT, { provider: 'kommo', oauthClientId: 'k1', kommoSubdomain: 'shop', authorizationCode: 'code-123' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ provider: 'kommo', key: 'shop', status: 'active' });
    expect(res.json().tokenExpiresAt).not.toBeNull();
    const again = await call('POST', '/api/accounts', ROOT, { provider: 'kommo', oauthClientId: 'k1', kommoSubdomain: 'shop2', authorizationCode: 'code-123' });
    // A code Kommo refuses (used already) is the caller's input: a 400 that says so, never a server error.
    expect(again.statusCode).toBe(400);
    expect(again.json().message).toMatch(/authorization code rejected/);
  });

  it('starts a refresh workflow for an account', async () => {
    const res = await call('POST', '/api/accounts/acc-1/refresh', named);
    expect(res.statusCode).toBe(202);
    expect(res.json().workflowId).toBe(`token-refresh:acc-1@${env.taskQueue}`);
    await env.client.workflow.getHandle(res.json().workflowId).terminate('test done');
  });
});

describe('token refresh schedules', () => {
  it('are created once and kept in step, every 10 minutes for expiring tokens and nightly for all', async () => {
    const first = await ensureSchedules(env.client, env.settings);
    const again = await ensureSchedules(env.client, env.settings);
    expect(again).toEqual(first);
    expect(first).toHaveLength(6);
    try {
      const expiring = await env.client.schedule.getHandle(`token-refresh-expiring:google@${env.taskQueue}`).describe();
      expect(expiring.spec.intervals?.[0]?.every).toBe(600_000);
      expect(expiring.action).toMatchObject({ type: 'startWorkflow', workflowType: 'refreshAllTokens', args: [{ provider: 'google', expiringWithinMinutes: 15 }] });
      const nightly = await env.client.schedule.getHandle(`token-refresh-nightly:kommo@${env.taskQueue}`).describe();
      expect(nightly.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }] });
      expect(tokenSchedules(env.settings).map((s) => s.scheduleId)).toEqual(first);
    } finally {
      for (const id of first) await env.client.schedule.getHandle(id).delete();
    }
  });
});
