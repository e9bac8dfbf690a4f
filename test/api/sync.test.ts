import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/** The pairing routes: validation that names the JSON path, 404s, signals answered with the workflow id. */
const ROOT = 'root-key-for-the-sync-api-test-1';
let env: TestEnv;
let sandbox: RunningSandbox;
let api: FastifyInstance;
const started: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('sync_api', { ROOT_API_KEY: ROOT, PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  await env.deps.oauthClients.upsert({ id: 'g', provider: 'google', clientId: 'g-client', clientSecret: 'g-secret-value' });
  await env.deps.oauthClients.upsert({ id: 'z', provider: 'zoho', clientId: 'z-client', clientSecret: 'z-secret-value' });
  await env.deps.accounts.create({ id: 'acc-g', provider: 'google', oauthClientId: 'g', email: 'ana@example.com', loginUserUsuario: 'crm-user-1', refreshToken: 'rt-g-1' });
  await env.deps.accounts.create({ id: 'acc-z', provider: 'zoho', oauthClientId: 'z', email: 'ops@example.com', refreshToken: 'rt-z-1' });
});
afterAll(async () => {
  for (const id of started) await env.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
  await api.close();
  await env.close();
  await sandbox.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  api.inject({ method, url, headers: { 'x-api-key': ROOT }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('HTTP API: contact-sync pairings', () => {
  it('refuses bad pairings with a 400 that names the path, and stores nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ googleAccountId: 'acc-g', zohoAccountId: 'acc-z' }, /target/],
      [{ googleAccountId: 'acc-z', zohoAccountId: 'acc-g', target: { kind: 'crm' } }, /googleAccountId: acc-z is a zoho account; zohoAccountId: acc-g is a google account/],
      [{ googleAccountId: 'nope', zohoAccountId: 'acc-z', target: { kind: 'crm' } }, /googleAccountId: no account nope/],
      [{ googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'crm' }, mapping: { fields: { email: 'bad name!' } } }, /mapping\.fields\.email/],
      [{ googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'crm' }, policy: { conflict: 'coinFlip' } }, /policy\.conflict/],
      [{ googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'crm' }, intervalSeconds: 1 }, /intervalSeconds/],
      [{ googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'creator', owner: 'o' } }, /target\.app/],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/api/pairings', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    expect((await call('GET', '/api/pairings')).json()).toEqual([]);
  });

  it("creates a pairing (owner from the Google account's loginUserUsuario), starts its workflow, reads and steers it", async () => {
    const res = await call('POST', '/api/pairings', { id: 'api-pair', googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'crm' }, intervalSeconds: 3600 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ _id: 'api-pair', target: { kind: 'crm', ownerId: 'crm-user-1' }, policy: { conflict: 'lastWriterWins', deletion: 'unlinkAndTag', maxDeleteFraction: 0.2 }, linkIdKey: 'switchyard:api-pair' });
    started.push(res.json().workflowId);
    expect(res.json().workflowId).toBe(`contact-sync:api-pair@${env.taskQueue}`);
    expect((await call('POST', '/api/pairings', { id: 'api-pair', googleAccountId: 'acc-g', zohoAccountId: 'acc-z', target: { kind: 'crm' } })).statusCode).toBe(409);
    for (const path of ['resync', 'full-resync', 'pause', 'resume']) {
      const s = await call('POST', `/api/pairings/api-pair/${path}`, {});
      expect(s.statusCode, path).toBe(202);
      expect(s.json().workflowId).toBe(res.json().workflowId);
    }
    expect((await call('POST', '/api/pairings/api-pair/resume', { allowMassDelete: 'yes' })).statusCode).toBe(400);
    const changed = await call('PUT', '/api/pairings/api-pair', { policy: { conflict: 'googleWins' }, intervalSeconds: 600 });
    expect(changed.json()).toMatchObject({ policy: { conflict: 'googleWins' }, intervalSeconds: 600 });
    expect((await call('PUT', '/api/pairings/api-pair', { target: { kind: 'creator' } })).statusCode).toBe(400);
    const got = await call('GET', '/api/pairings/api-pair');
    expect(got.json()).toMatchObject({ workflowId: res.json().workflowId, links: 0, pending: 0, conflicts: 0 });
  });

  it('answers 404 for a pairing that does not exist, on every route', async () => {
    for (const [method, url] of [['GET', '/api/pairings/missing'], ['PUT', '/api/pairings/missing'], ['DELETE', '/api/pairings/missing'], ['POST', '/api/pairings/missing/resync'], ['GET', '/api/pairings/missing/conflicts']] as const) {
      expect((await call(method, url, method === 'PUT' ? { intervalSeconds: 60 } : undefined)).statusCode, `${method} ${url}`).toBe(404);
    }
  });
});
