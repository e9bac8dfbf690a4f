import { execFile } from 'node:child_process';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { freePort } from '../helpers/free-port';
import { callbackUrl, consent, mirrorWorld, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The mirror's setup steps through the HTTP API against the sandbox's Kommo (consent page, code exchange,
 * account info, webhooks API) and Unisender: each step's precise refusals, and nothing stored when refused.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let w: MirrorWorld;
const started = new Set<string>();

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_setup', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  api = await startApi(env);
  w = await mirrorWorld(sandbox, env, api, 'setup');
});
afterAll(async () => {
  for (const id of started) await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, id)).terminate('test over').catch(() => undefined);
  await api.close();
  await env.close();
  await sandbox.close();
});

const mirrors = () => env.mongo.db.collection('kommo_mirrors').countDocuments();
const kommoAccounts = () => env.mongo.db.collection('accounts').countDocuments({ provider: 'kommo' });
const exchanges = async () => (await sandbox.control.requests({ provider: 'kommo', path: '/oauth2/access_token' })).length;
const install = async (client = w.oauthClientId): Promise<string> => (await w.call('GET', `/api/kommo/install?client=${client}`)).json<{ state: string }>().state;

describe('kommo setup: refusals store nothing', () => {
  it('a forged state, a foreign referer, a missing code, a refused consent: each refused before any exchange', async () => {
    const state = await install();
    const good = await consent(w, state);
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ ...good, state: 'forged-state-value' }, 403, /state is unknown, expired or used/],
      [{ ...good, referer: 'evil.example.com' }, 400, /referer must be <subdomain>\.kommo\.com/],
      [{ ...good, referer: `${w.subdomain}.kommo.com.evil.example` }, 400, /referer must be/],
      [{ ...good, referer: 'www.kommo.com' }, 400, /referer must be/],
      [{ state: good.state!, referer: good.referer! }, 400, /code is missing/],
      [{ code: good.code!, referer: good.referer! }, 400, /state is missing/],
    ];
    for (const [q, status, message] of cases) {
      const r = await api.inject({ method: 'GET', url: callbackUrl(q) });
      expect({ q, status: r.statusCode }).toEqual({ q, status });
      expect(r.json().message).toMatch(message);
    }
    const denied = await api.inject({ method: 'GET', url: callbackUrl({ error: 'access_denied', state: await install() }) });
    expect(denied.statusCode).toBe(400);
    expect(denied.json().message).toMatch(/did not grant access/);
    expect(await exchanges()).toBe(0);
    expect(await mirrors()).toBe(0);
    expect(await kommoAccounts()).toBe(0);
    // The real state was never consumed by the refusals: it still completes the install.
    const ok = await api.inject({ method: 'GET', url: callbackUrl(good) });
    expect(ok.statusCode).toBe(200);
    // ...once: the same redirect again is refused.
    const again = await api.inject({ method: 'GET', url: callbackUrl(good) });
    expect(again.statusCode).toBe(403);
    await env.mongo.db.collection('kommo_mirrors').deleteMany({});
    await env.mongo.db.collection('accounts').deleteMany({ provider: 'kommo' });
  });

  it('install needs a Kommo OAuth client with a redirect URI', async () => {
    expect((await w.call('GET', '/api/kommo/install')).statusCode).toBe(400);
    const unknown = await w.call('GET', '/api/kommo/install?client=nope');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/no OAuth client with id nope/);
    await env.deps.oauthClients.upsert({ id: 'kommo-no-redirect', provider: 'kommo', clientId: 'x', clientSecret: 'y' });
    expect((await w.call('GET', '/api/kommo/install?client=kommo-no-redirect')).json().message).toMatch(/has no redirect URI/);
    expect((await api.inject({ method: 'GET', url: `/api/kommo/install?client=${w.oauthClientId}` })).statusCode).toBe(401);
  });
});

describe('kommo setup: the steps', () => {
  let mirrorId = '';

  it('consent page -> callback: the account is stored with its Kommo account id, and its mirror is created', async () => {
    const started = (await w.call('GET', `/api/kommo/install?client=${w.oauthClientId}`)).json<{ consentUrl: string; state: string }>();
    expect(started.consentUrl.startsWith(`${sandbox.baseUrl}/kommo/www/oauth?`)).toBe(true);
    expect((await fetch(started.consentUrl)).status).toBe(200);
    const form = new URLSearchParams({ client_id: w.kommoClientId, state: started.state, mode: 'popup', decision: 'allow', subdomain: w.subdomain });
    const redirect = await fetch(`${sandbox.baseUrl}/kommo/www/oauth`, { method: 'POST', body: form, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    expect(location.searchParams.get('referer')).toBe(`${w.subdomain}.kommo.com`);
    const cb = await api.inject({ method: 'GET', url: `/kommo/oauth/callback${location.search}` });
    expect(cb.statusCode).toBe(200);
    const body = cb.json<{ mirror: { id: string; kommo: { accountId: number; subdomain: string }; nextStep: string }; accountId: string; reconnected: boolean }>();
    expect(body.mirror).toMatchObject({ id: `kommo-${w.kommoAccountId}`, kommo: { accountId: w.kommoAccountId, subdomain: w.subdomain }, nextStep: 'unisender-key' });
    expect(body.reconnected).toBe(false);
    mirrorId = body.mirror.id;
    const account = await env.deps.accounts.get(body.accountId);
    expect(account).toMatchObject({ provider: 'kommo', key: w.subdomain, kommo: { subdomain: w.subdomain, accountId: w.kommoAccountId }, status: 'active' });
    expect(account.token.access).toMatch(/^v2:[0-9a-f]+:/);
    expect(JSON.stringify(cb.json())).not.toMatch(/kat\.|krt\./);
  });

  it('steps out of order are refused with the step to do first', async () => {
    const list = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { title: 'x' });
    expect(list.statusCode).toBe(409);
    expect(list.json().message).toMatch(/unisender-key step first/);
    const hook = await w.call('POST', `/api/kommo/mirrors/${mirrorId}/webhook`);
    expect(hook.statusCode).toBe(409);
    expect((await w.call('POST', `/api/kommo/mirrors/${mirrorId}/full-sync`)).statusCode).toBe(409);
    expect((await w.call('GET', '/api/kommo/mirrors/kommo-404')).statusCode).toBe(404);
  });

  it('the Unisender key: checked with a real call, refused keys not stored, the good one stored encrypted (root key only)', async () => {
    const { key } = await env.deps.apiKeys.create('ops');
    expect((await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/unisender`, { apiKey: w.unisenderKey }, key)).statusCode).toBe(403);
    const bad = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/unisender`, { apiKey: 'not-a-real-unisender-key' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/apiKey: Unisender refused it \(invalid_api_key\); nothing was stored/);
    expect((await env.deps.kommo.mirrors.get(mirrorId)).unisender).toBeNull();
    const ok = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/unisender`, { apiKey: w.unisenderKey });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ mirror: { nextStep: 'list', unisender: { keyHint: `…${w.unisenderKey.slice(-4)}` } }, lists: [] });
    const stored = await env.mongo.db.collection('kommo_mirrors').findOne({ _id: mirrorId as never });
    expect(JSON.stringify(stored)).not.toContain(w.unisenderKey);
  });

  it('the list: an unknown id is refused naming the account\'s lists; a title is created once, then found', async () => {
    const created = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { title: 'Kommo contacts' });
    expect(created.json()).toMatchObject({ created: true, mirror: { nextStep: 'webhook', unisender: { listTitle: 'Kommo contacts' } } });
    const again = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { title: 'kommo CONTACTS' });
    expect(again.json()).toMatchObject({ created: false, mirror: { unisender: { listId: created.json().mirror.unisender.listId } } });
    const unknown = await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { listId: 999 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/listId: 999 is not a list of this Unisender account \(\d+ "Kommo contacts"\)/);
    expect((await w.call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { listId: 1, title: 'both' })).statusCode).toBe(400);
  });

  it('the webhook: subscribed at Kommo for add/update/delete/restore; subscribing again replaces the destination', async () => {
    const r = await w.call('POST', `/api/kommo/mirrors/${mirrorId}/webhook`);
    expect(r.statusCode).toBe(200);
    started.add(mirrorId);
    expect(r.json()).toMatchObject({ destination: `${w.apiUrl}/webhooks/kommo/${mirrorId}/<secret>`, mirror: { nextStep: null } });
    const hooks = async () => (await sandbox.control.state<{ accounts: { webhooks: { destination: string; settings: string[]; disabled: boolean }[] }[] }>('kommo', { subdomain: w.subdomain, contacts: '0' })).accounts[0]!.webhooks;
    const first = await hooks();
    expect(first).toHaveLength(1);
    expect(first[0]!.destination.startsWith(`${w.apiUrl}/webhooks/kommo/${mirrorId}/`)).toBe(true);
    expect(first[0]!.settings.sort()).toEqual(['add_contact', 'delete_contact', 'restore_contact', 'update_contact']);
    const secret = first[0]!.destination.split('/').pop()!;
    expect(JSON.stringify(await env.mongo.db.collection('kommo_mirrors').findOne({ _id: mirrorId as never }))).not.toContain(secret);
    await w.call('POST', `/api/kommo/mirrors/${mirrorId}/webhook`);
    const second = await hooks();
    expect(second).toHaveLength(1);
    expect(second[0]!.destination).not.toBe(first[0]!.destination);
  });

  it('installing again reconnects the same account and mirror', async () => {
    const state = await install();
    const r = await api.inject({ method: 'GET', url: callbackUrl(await consent(w, state)) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ mirror: { id: mirrorId, nextStep: null }, reconnected: true, resumed: true });
    expect(await kommoAccounts()).toBe(1);
  });
});

describe('kommo setup from the CLI', () => {
  const bin = path.join(__dirname, '..', '..', 'bin', 'switchyard.js');
  const cli = (args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> =>
    new Promise((resolve) => {
      const childEnv = { ...process.env, MONGODB_URI: env.mongoUri(), TEMPORAL_TASK_QUEUE: env.taskQueue, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, KOMMO_WEBHOOK_BASE_URL: w.apiUrl, LOG_LEVEL: 'warn' };
      const child = execFile(process.execPath, [bin, ...args], { env: childEnv }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
      if (input !== undefined) child.stdin!.end(input);
    });

  it('each step has a command, with the same refusals', async () => {
    const c = await mirrorWorld(sandbox, env, api, 'clisetup');
    const installed = await cli(['kommo', 'install', '--client', c.oauthClientId]);
    expect(installed.code).toBe(0);
    const { state } = JSON.parse(installed.stdout) as { state: string };
    const q = await consent(c, state);
    const forged = await cli(['kommo', 'connect', `${c.apiUrl}${callbackUrl({ ...q, referer: 'evil.example.com' })}`]);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toMatch(/referer must be <subdomain>\.kommo\.com/);
    const connected = await cli(['kommo', 'connect', `${c.apiUrl}${callbackUrl(q)}`]);
    expect(connected.code).toBe(0);
    const mirrorId = (JSON.parse(connected.stdout) as { mirror: { id: string } }).mirror.id;
    const badKey = await cli(['kommo', 'unisender-key', mirrorId, '--api-key', '-'], 'wrong-key-0000\n');
    expect(badKey.stderr).toMatch(/Unisender refused it/);
    expect((await cli(['kommo', 'unisender-key', mirrorId, '--api-key', '-'], `${c.unisenderKey}\n`)).code).toBe(0);
    const list = await cli(['kommo', 'list', mirrorId, '--title', 'From the CLI']);
    expect(JSON.parse(list.stdout)).toMatchObject({ created: true, mirror: { nextStep: 'webhook' } });
    const mirrorsOut = await cli(['kommo', 'mirrors']);
    expect(JSON.parse(mirrorsOut.stdout)).toContainEqual(expect.objectContaining({ id: mirrorId, nextStep: 'webhook' }));
    for (const out of [installed, connected, list, mirrorsOut]) expect(out.stdout).not.toContain(c.unisenderKey);
  }, 120_000);
});
