import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { MirrorWaker, sweepInboxes } from '../../clients/kommo-wake';
import { lazyTemporal } from '../../clients/temporal';
import { connectMongo } from '../../store/mongo';
import { waitFor } from '../helpers/capture';
import { freePort } from '../helpers/free-port';
import { mirrorWorld, setUpMirror, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The webhook endpoint: a delivery is answered 2xx once it is in the inbox, and wakes the mirror with coalesced
 * signals; refusals store nothing. No worker runs here: the inbox keeps what was accepted.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let w: MirrorWorld;
let mirrorId = '';
let secret = '';
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_webhooks', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  api = await startApi(env);
  w = await mirrorWorld(sandbox, env, api, 'hooks', { contacts: [{ name: 'Ana', email: 'ana@example.com' }] });
  mirrorId = await setUpMirror(w);
  const s = await sandbox.control.state<{ accounts: { webhooks: { destination: string }[] }[] }>('kommo', { subdomain: w.subdomain, contacts: '0' });
  secret = s.accounts[0]!.webhooks[0]!.destination.split('/').pop()!;
});
afterAll(async () => {
  await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).terminate('test over').catch(() => undefined);
  for (const close of closers) await close();
  await api.close();
  await env.close();
  await sandbox.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const delivery = (ids: number[], account = w.kommoAccountId, event = 'update'): string =>
  [...ids.map((id, i) => `contacts[${event}][${i}][id]=${id}`), `account[id]=${account}`, `account[subdomain]=${w.subdomain}`].join('&');
const post = (target: FastifyInstance, body: string, path = `/webhooks/kommo/${mirrorId}/${secret}`, headers: Record<string, string> = FORM) =>
  target.inject({ method: 'POST', url: path, headers, payload: body });
const inbox = async (): Promise<number[]> => (await env.deps.kommo.inbox.pending(mirrorId, 100_000)).flatMap((e) => e.ids).sort((a, b) => a - b);
const clearInbox = async (): Promise<void> => env.deps.kommo.inbox.removeMirror(mirrorId);
const wakeSignals = async (): Promise<{ entries: number }[]> => {
  const history = await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'wake')
    .map((e) => JSON.parse(Buffer.from(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!.data!).toString('utf8')) as { entries: number });
};

describe('kommo webhooks: accepted', () => {
  it('a burst of deliveries: each stored before its 200, and the mirror woken by a few coalesced signals', async () => {
    await clearInbox();
    const before = await wakeSignals();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(api, delivery([1000 + i * 2, 1001 + i * 2]))));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(60).fill(200));
    expect(await inbox()).toEqual(Array.from({ length: 120 }, (_, i) => 1000 + i));
    const signals = await waitFor('the wake signals', async () => {
      const all = (await wakeSignals()).slice(before.length);
      return all.reduce((n, s) => n + s.entries, 0) === 60 ? all : undefined;
    });
    expect(signals.length).toBeLessThan(20);
  });

  it('a real delivery from Kommo (the sandbox), redelivered or not: its contact id lands in the inbox', async () => {
    await clearInbox();
    const r = await sandbox.control.call<{ contacts: { id: number }[]; deliveries: number[] }>('POST', '/kommo/contacts', { subdomain: w.subdomain, contacts: [{ name: 'Bea', email: 'bea@example.com' }] });
    const id = r.contacts[0]!.id;
    await waitFor('the delivery', async () => (await inbox()).includes(id));
    const deliveries = await sandbox.control.call<{ deliveries: { status: string; attempts: { status?: number }[] }[] }>('GET', `/kommo/deliveries?subdomain=${w.subdomain}`);
    expect(deliveries.deliveries.at(-1)).toMatchObject({ status: 'delivered', attempts: [{ status: 200 }] });
  });
});

describe('kommo webhooks: refused, nothing stored', () => {
  it('an unknown mirror or a wrong secret: 401 with one message for both', async () => {
    await clearInbox();
    for (const path of [`/webhooks/kommo/kommo-1/${secret}`, `/webhooks/kommo/${mirrorId}/wrong-secret`, `/webhooks/kommo/${mirrorId}/${secret}x`]) {
      const r = await post(api, delivery([1]), path);
      expect(r.statusCode).toBe(401);
      expect(r.json().message).toBe('unknown mirror or wrong secret');
    }
    expect(await inbox()).toEqual([]);
  });

  it('malformed bodies: 400 naming what is wrong', async () => {
    await clearInbox();
    const cases: [string, Record<string, string>, RegExp][] = [
      [`contacts[add][0][name]=x&account[id]=${w.kommoAccountId}`, FORM, /contacts\[add\]\[0\]\[id\] is missing/],
      [`contacts[add][0][id]=abc&account[id]=${w.kommoAccountId}`, FORM, /contacts\[add\]\[0\]\[id\] must be a positive integer/],
      ['contacts[add][0][id]=5', FORM, /account\[id\] is missing/],
      [`leads[add][0][id]=5&account[id]=${w.kommoAccountId}`, FORM, /no contact events/],
      ['', FORM, /account\[id\] is missing; no contact events/],
      [JSON.stringify({ contacts: { add: [{ id: 5 }] } }), { 'content-type': 'application/json' }, /Kommo posts application\/x-www-form-urlencoded, got application\/json/],
      [delivery([5], 12345), FORM, /account\[id\] 12345 is not this mirror's Kommo account/],
    ];
    for (const [body, headers, message] of cases) {
      const r = await post(api, body, undefined, headers);
      expect({ body, status: r.statusCode }).toEqual({ body, status: 400 });
      expect(r.json().message).toMatch(message);
    }
    expect(await inbox()).toEqual([]);
  });
});

describe('kommo webhooks: when a dependency is down', () => {
  it('MongoDB unreachable: 503, so Kommo delivers again', async () => {
    const mongo = await connectMongo(env.settings, env.mongo.db.databaseName);
    const downApi = await buildApi({ settings: env.settings, db: mongo.db, temporal: async () => env.client });
    closers.push(() => downApi.close());
    await mongo.close();
    const t0 = Date.now();
    const r = await post(downApi, delivery([7]));
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('Temporal unreachable: still accepted into the inbox; the sweeper wakes the mirror once Temporal answers', async () => {
    await clearInbox();
    const temporal = lazyTemporal({ ...env.settings, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    closers.push(temporal.close);
    const downApi = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: temporal.get });
    closers.push(() => downApi.close());
    const before = (await wakeSignals()).length;
    const r = await post(downApi, delivery([42, 43]));
    expect(r.statusCode).toBe(200);
    expect(await inbox()).toEqual([42, 43]);
    const waker = new MirrorWaker((id, entries) => w.service.signal(id, 'wake', { entries }).then(() => undefined));
    expect(await sweepInboxes(env.deps.kommo.inbox, waker)).toEqual([mirrorId]);
    expect((await wakeSignals()).length).toBe(before + 1);
  });
});
