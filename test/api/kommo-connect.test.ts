import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideConsent } from '../helpers/consent';
import { freePort } from '../helpers/free-port';
import { callbackUrl, consent, mirrorWorld, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The Kommo install on the shared OAuth flow: its states live in `oauth_states` (purpose install) like Google's and
 * Zoho's, a browser ends on the same kind of page, and every refusal (forged, replayed, expired or foreign state,
 * a denied consent, a refused code, a reconnection granted for another Kommo account) changes nothing.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let w: MirrorWorld;

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_connect', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  api = await startApi(env);
  w = await mirrorWorld(sandbox, env, api, 'kconnect');
  // A second Kommo account the same person may grant: the consent page lets them choose.
  await sandbox.control.seed('kommo', { accounts: [{ subdomain: 'kconnect-other', clientId: w.kommoClientId, clientSecret: 'kommo-secret-kconnect-0123456789', redirectUri: `${w.apiUrl}/kommo/oauth/callback` }] });
});
afterAll(async () => {
  await api.close();
  await env.close();
  await sandbox.close();
});

const install = async (query = `client=${w.oauthClientId}`): Promise<{ state: string; consentUrl: string }> => {
  const r = await w.call('GET', `/api/kommo/install?${query}`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
/** The callback as a browser opens it. */
const browse = (q: Record<string, string>) => api.inject({ method: 'GET', url: callbackUrl(q), headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
const kommoAccounts = () => env.mongo.db.collection('accounts').countDocuments({ provider: 'kommo' });
const exchanges = async () => (await sandbox.control.requests({ provider: 'kommo', path: '/oauth2/access_token' })).length;
const grant = async (subdomain: string, state: string): Promise<Record<string, string>> => {
  const r = await sandbox.control.call<{ redirectUrl: string }>('POST', '/kommo/authorize', { subdomain, state });
  return Object.fromEntries(new URL(r.redirectUrl).searchParams);
};

describe('the Kommo install on the shared OAuth states', () => {
  it('issues its state into oauth_states (provider kommo, purpose install); the old collection is gone', async () => {
    await install();
    const states = await env.mongo.db.collection('oauth_states').find({ provider: 'kommo' }).toArray();
    expect(states.map((s) => ({ purpose: s.purpose, oauthClientId: s.oauthClientId, accountId: s.accountId }))).toContainEqual({ purpose: 'install', oauthClientId: w.oauthClientId, accountId: null });
    const collections = (await env.mongo.db.listCollections().toArray()).map((c) => c.name);
    expect(collections).not.toContain('kommo_install_states');
  });

  it('ends every refusal on a page and changes nothing: forged, foreign, expired state; denied consent; refused code', async () => {
    const before = { accounts: await kommoAccounts(), exchanges: await exchanges() };
    const good = await consent(w, (await install()).state);

    const forged = await browse({ ...good, state: `${good.state!.split('.')[0]}.forged-signature` });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['content-type']).toContain('text/html');
    expect(forged.body).toContain('This link cannot be used');

    // A Google connection's state is signed by the same key but bound to another provider and purpose.
    await env.deps.oauthClients.upsert({ id: 'g-for-kommo-test', provider: 'google', clientId: 'g-cid', clientSecret: 'g-secret-value' });
    const google = await w.call('GET', '/api/connect/google?client=g-for-kommo-test');
    const googleState = new URL(google.json<{ url: string }>().url).searchParams.get('state')!;
    const foreign = await browse({ ...good, state: googleState });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.body).toContain('issued for another provider or purpose');

    const denied = await browse({ error: 'access_denied', state: (await install()).state, client_id: w.kommoClientId });
    expect(denied.statusCode).toBe(400);
    expect(denied.body).toContain('Access was not granted');

    const late = await consent(w, (await install()).state);
    await env.mongo.db.collection('oauth_states').updateMany({ provider: 'kommo' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await browse(late);
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain('it has expired');
    expect(await exchanges()).toBe(before.exchanges);

    // A code Kommo refuses (already spent at Kommo by an earlier exchange): the provider's refusal, on a page.
    const spent = await consent(w, (await install()).state);
    const first = await browse(spent);
    expect(first.statusCode, first.body).toBe(200);
    await env.mongo.db.collection('accounts').deleteMany({ provider: 'kommo' });
    await env.mongo.db.collection('kommo_mirrors').deleteMany({});
    const refused = await browse({ ...spent, state: (await install()).state });
    expect(refused.statusCode).toBe(502);
    expect(refused.body).toContain('The provider refused the connection');
    expect(refused.body).not.toContain(spent.code!);
    expect(await kommoAccounts()).toBe(before.accounts);
  });

  it('connects in the browser, ends on a page, and a replay of the same redirect is refused', async () => {
    const started = await install();
    const back = await decideConsent(started.consentUrl, 'allow');
    expect(back.searchParams.get('referer')).toBe(`${w.subdomain}.kommo.com`);
    const q = Object.fromEntries(back.searchParams);
    const page = await browse(q);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.body).toContain('Kommo account connected');
    expect(page.body).toContain(`kommo-${w.kommoAccountId}`);
    expect(page.body).toContain('Next: give its Unisender API key');
    const replay = await browse(q);
    expect(replay.statusCode).toBe(403);
    expect(replay.body).toContain('already used');
    // A denial on the consent page itself comes back as a page too.
    const deny = await decideConsent((await install()).consentUrl, 'deny');
    expect(deny.searchParams.get('error')).toBe('access_denied');
    expect((await browse(Object.fromEntries(deny.searchParams))).body).toContain('Access was not granted');
  });

  it('a reconnection is bound to its account: granted for another Kommo account it is refused, for the same one it reconnects', async () => {
    const account = await env.deps.accounts.findByKey('kommo', w.subdomain);
    expect(account).not.toBeNull();
    await env.deps.accounts.markNeedsReauth(account!._id, 'AuthRevoked', 'Token has been revoked');
    const tokenBefore = (await env.deps.accounts.get(account!._id)).token;

    const wrong = await browse(await grant('kconnect-other', (await install(`account=${account!._id}`)).state));
    expect(wrong.statusCode).toBe(409);
    expect(wrong.body).toContain('A different account');
    expect(await env.deps.accounts.findByKey('kommo', 'kconnect-other')).toBeNull();
    const unchanged = await env.deps.accounts.get(account!._id);
    expect({ status: unchanged.status, token: unchanged.token }).toEqual({ status: 'needs_reauth', token: tokenBefore });

    const right = await browse(await grant(w.subdomain, (await install(`account=${account!._id}`)).state));
    expect(right.statusCode, right.body).toBe(200);
    expect(right.body).toContain('Kommo account reconnected');
    const read = await w.call('GET', `/api/accounts/${account!._id}`);
    expect(read.json()).toMatchObject({ id: account!._id, status: 'active', lastError: null });

    expect((await w.call('GET', '/api/kommo/install?account=nope')).statusCode).toBe(404);
  });
});
