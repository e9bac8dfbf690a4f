import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { freePort } from '../helpers/free-port';
import { callbackUrl, consent, kommoEmails, listEmails, mirrorIdle, mirrorWorld, setUpMirror, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The mirror on the real Temporal server against the sandbox's Kommo (which delivers real webhooks to the API) and
 * Unisender: changes reach the list, e-mails leave it only when no contact has them, redeliveries import nothing,
 * Unisender's refusals are recorded once, a lost webhook is caught by the poll.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let w: MirrorWorld;
let mirrorId = '';
let stop: (() => void) | undefined;
let running: Promise<unknown> | undefined;

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_mirror', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}`, KOMMO_MIRROR_POLL_SECONDS: 10 });
  api = await startApi(env);
  running = env.withWorker(() => new Promise<void>((resolve) => (stop = resolve)));
  w = await mirrorWorld(sandbox, env, api, 'mirror', { contacts: [{ name: 'Ana Lopez', email: ['ana@example.com', 'ana.work@example.com'] }] });
  mirrorId = await setUpMirror(w);
});
afterAll(async () => {
  await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).terminate('test over').catch(() => undefined);
  stop?.();
  await running;
  await api.close();
  await env.close();
  await sandbox.close();
});

type Seed = { name?: string; email?: string | string[] };
const kommo = {
  add: async (contacts: Seed[]) => (await sandbox.control.call<{ contacts: { id: number }[] }>('POST', '/kommo/contacts', { subdomain: w.subdomain, contacts })).contacts.map((c) => c.id),
  update: (contacts: (Seed & { id: number })[]) => sandbox.control.call('PATCH', '/kommo/contacts', { subdomain: w.subdomain, contacts }),
  remove: (ids: number[]) => sandbox.control.call('POST', '/kommo/contacts/delete', { subdomain: w.subdomain, ids }),
  restore: (ids: number[]) => sandbox.control.call('POST', '/kommo/contacts/restore', { subdomain: w.subdomain, ids }),
};
/** Addresses Unisender refuses (role addresses): in Kommo, never on the list. */
const refused: string[] = [];
/** Waits until the list holds exactly Kommo's e-mails (less those Unisender refused) and the mirror idles. */
async function mirrored(timeoutMs = 90_000): Promise<string[]> {
  const want = async () => (await kommoEmails(w)).filter((e) => !refused.includes(e));
  await waitFor('the list to equal Kommo', async () => JSON.stringify(await listEmails(w, mirrorId)) === JSON.stringify(await want()), timeoutMs).catch(async (err: Error) => {
    const [list, wanted, s] = [await listEmails(w, mirrorId), await want(), await w.service.status(mirrorId).catch(() => null)];
    throw new Error(`${err.message}: list lacks ${JSON.stringify(wanted.filter((e) => !list.includes(e)))}, has extra ${JSON.stringify(list.filter((e) => !wanted.includes(e)))}; status ${JSON.stringify(s)}`);
  });
  await mirrorIdle(w, mirrorId);
  const list = await listEmails(w, mirrorId);
  expect(list).toEqual(await want());
  return list;
}
const importRows = async (email: string): Promise<number> =>
  (await sandbox.control.requests({ provider: 'unisender', path: 'importContacts' })).filter((r) => JSON.stringify(r.body ?? r.url).includes(email)).length;

describe('kommo mirror: changes reach the Unisender list', () => {
  it('a contact added in Kommo lands in the list with its name; every EMAIL value of it', async () => {
    const [id] = await kommo.add([{ name: 'Bea Ruiz', email: ['bea@example.com', 'BEA.home@Example.com'] }]);
    await mirrored();
    const member = await w.call('GET', `/api/kommo/mirrors/${mirrorId}/unisender-contacts?email=bea@example.com`);
    expect(member.json()).toMatchObject({ email: 'bea@example.com', fields: { Name: 'Bea Ruiz' } });
    expect(await listEmails(w, mirrorId)).toContain('bea.home@example.com');
    expect(id).toBeGreaterThan(0);
  });

  it('an e-mail changed, a contact deleted and restored: the list follows', async () => {
    const [cid] = await kommo.add([{ name: 'Carl Diaz', email: 'carl@example.com' }]);
    await mirrored();
    await kommo.update([{ id: cid!, email: 'carl.new@example.com' }]);
    expect(await mirrored()).not.toContain('carl@example.com');
    await kommo.remove([cid!]);
    expect(await mirrored()).not.toContain('carl.new@example.com');
    await kommo.restore([cid!]);
    expect(await mirrored()).toContain('carl.new@example.com');
  });

  it('an e-mail two contacts share stays while either has it', async () => {
    const [a, b] = await kommo.add([{ name: 'Shared One', email: 'team@shared.example' }, { name: 'Shared Two', email: ['team@shared.example', 'two@shared.example'] }]);
    await mirrored();
    await kommo.remove([a!]);
    expect(await mirrored()).toContain('team@shared.example');
    await kommo.update([{ id: b!, email: 'two@shared.example' }]);
    expect(await mirrored()).not.toContain('team@shared.example');
  });

  it('redelivered and reordered deliveries import nothing twice and end where Kommo is', async () => {
    const [id] = await kommo.add([{ name: 'Dup', email: 'dup@example.com' }]);
    await mirrored();
    const rowsBefore = await importRows('dup@example.com');
    const s = await sandbox.control.state<{ accounts: { webhooks: { destination: string }[] }[] }>('kommo', { subdomain: w.subdomain, contacts: '0' });
    const path = new URL(s.accounts[0]!.webhooks[0]!.destination).pathname;
    const body = (event: string) => `contacts[${event}][0][id]=${id}&account[id]=${w.kommoAccountId}`;
    const post = (event: string) => api.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body(event) });
    // An old "add" arriving after a newer "update", three times over: only the current state counts.
    for (const event of ['update', 'add', 'add', 'update', 'add']) expect((await post(event)).statusCode).toBe(200);
    await mirrored();
    expect(await importRows('dup@example.com')).toBe(rowsBefore);
    // A delete delivered before the change it follows, Kommo having the contact still: it stays.
    expect((await post('delete')).statusCode).toBe(200);
    expect(await mirrored()).toContain('dup@example.com');
  });

  it('Unisender refuses role addresses: recorded and reported once, never retried', async () => {
    refused.push('info@example.com');
    await kommo.add([{ name: 'Info Desk', email: 'info@example.com' }]);
    await mirrored();
    const rejections = (await w.call('GET', `/api/kommo/mirrors/${mirrorId}/rejections`)).json<{ email: string; code: string }[]>();
    expect(rejections).toContainEqual(expect.objectContaining({ email: 'info@example.com', code: 'role_address' }));
    expect((await w.service.status(mirrorId)).status?.totals.rejected).toBeGreaterThanOrEqual(1);
    await mirrorIdle(w, mirrorId);
    expect(await importRows('info@example.com')).toBe(1);
  });
});

describe('kommo mirror: providers pushing back', () => {
  it("Kommo's 429 and Unisender's retry_later and call limit are waited out: the list ends exact, each row imported once", async () => {
    await sandbox.control.armFault({ provider: 'kommo', method: 'GET', path: '/api/v4/contacts', status: 429, retryAfter: 1 });
    await sandbox.control.armFault({ provider: 'unisender', path: 'importContacts', status: 200, body: { error: 'temporary failure, try again later', code: 'retry_later' } });
    await sandbox.control.armFault({ provider: 'unisender', path: 'importContacts', status: 200, body: { error: 'API call limit exceeded', code: 'api_call_limit_exceeded_for_api_key' } });
    await kommo.add([{ name: 'Pushed Back', email: 'pushed.back@example.com' }]);
    expect(await mirrored(200_000)).toContain('pushed.back@example.com');
    const imports = await sandbox.control.requests({ provider: 'unisender', path: 'importContacts' });
    expect(imports.filter((r) => r.fault === undefined && JSON.stringify(r.body ?? r.url).includes('pushed.back@example.com'))).toHaveLength(1);
    // The refused attempts (the sandbox answered them before reading their rows).
    expect(imports.filter((r) => r.fault !== undefined)).toHaveLength(2);
    // The one 429 was ours; Kommo's 15-minute block (403) never came.
    const kommoAnswers = await sandbox.control.requests({ provider: 'kommo' });
    expect(kommoAnswers.filter((r) => r.status === 429)).toHaveLength(1);
    expect(kommoAnswers.filter((r) => r.status === 403)).toEqual([]);
  }, 300_000);
});

describe('kommo mirror: the poll', () => {
  it('a change Kommo never announced (webhook down and disabled) is caught, and the webhook revived', async () => {
    await sandbox.control.configure('kommo', { webhook: { disableAfterFailures: 1, retryDelaysMs: [] } });
    await api.close();
    const [id] = await kommo.add([{ name: 'Lost', email: 'lost@example.com' }]);
    const hooks = async () => (await sandbox.control.state<{ accounts: { webhooks: { disabled: boolean }[] }[] }>('kommo', { subdomain: w.subdomain, contacts: '0' })).accounts[0]!.webhooks;
    await waitFor('Kommo to disable the webhook', async () => (await hooks())[0]?.disabled === true);
    api = w.api = await startApi(env);
    await sandbox.control.seed('kommo', { accounts: [{ subdomain: w.subdomain, contacts: [{ name: 'Seeded silently', email: 'silent@example.com' }] }] });
    expect(await mirrored()).toEqual(expect.arrayContaining(['lost@example.com', 'silent@example.com']));
    await waitFor('the webhook to be revived', async () => (await hooks()).every((h) => !h.disabled) && (await hooks()).length === 1, 60_000);
    await kommo.update([{ id: id!, email: 'found@example.com' }]);
    expect(await mirrored()).toContain('found@example.com');
    await sandbox.control.configure('kommo', { webhook: { disableAfterFailures: 100, retryDelaysMs: [1000, 5000, 15000] } });
  }, 180_000);
});

describe('kommo mirror: revoked access', () => {
  it('a revoked Kommo token pauses the mirror (webhooks still accepted); installing again resumes it', async () => {
    const account = await env.deps.accounts.get((await env.deps.kommo.mirrors.get(mirrorId)).accountId);
    const creds = await env.deps.accounts.credentials(account);
    const mark = await mailMark(env.settings);
    // Someone else used the refresh token (it rotates), and the stored access token is gone: the mirror must refresh.
    const used = await fetch(`${sandbox.baseUrl}/kommo/${w.subdomain}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: w.kommoClientId, client_secret: creds.oauthClient.clientSecret, grant_type: 'refresh_token', refresh_token: creds.refreshToken, redirect_uri: creds.oauthClient.redirectUri }),
    });
    expect(used.status).toBe(200);
    await env.deps.accounts.reconnect(account._id, creds.refreshToken);
    await kommo.add([{ name: 'While paused', email: 'paused@example.com' }]);
    const paused = await waitFor('the mirror to pause', async () => {
      const s = (await w.service.status(mirrorId)).status;
      return s?.paused ? s : undefined;
    }, 60_000);
    expect(paused.paused?.reason).toMatch(/Kommo access revoked|access revoked/);
    expect((await env.deps.accounts.get(account._id)).status).toBe('needs_reauth');
    await waitFor('the alert', async () => (await mailsAbout(env.settings, `Kommo mirror ${mirrorId} paused`, mark)).length > 0);
    await kommo.add([{ name: 'Still accepted', email: 'accepted@example.com' }]);
    await waitFor('the delivery', async () => (await env.deps.kommo.inbox.pending(mirrorId, 1000)).length > 0);
    expect(await listEmails(w, mirrorId)).not.toContain('accepted@example.com');

    const install = (await w.call('GET', `/api/kommo/install?client=${w.oauthClientId}`)).json<{ state: string }>();
    const cb = await api.inject({ method: 'GET', url: callbackUrl(await consent(w, install.state)) });
    expect(cb.json()).toMatchObject({ reconnected: true, resumed: true });
    expect(await mirrored()).toEqual(expect.arrayContaining(['paused@example.com', 'accepted@example.com']));
  }, 180_000);
});
