import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApi } from '../../clients/api/server';
import { KommoMirrorService } from '../../clients/kommo';
import type { KommoMirrorStatus } from '../../workflows/kommo-mirror';
import { expect } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from './capture';
import { spawnWorker } from './workers';
import type { RunningSandbox } from './sandbox';
import type { TestEnv } from './stack';

/**
 * A Kommo account and a Unisender account on the sandbox, the Kommo integration registered as an OAuth client, and
 * the HTTP API listening on a real port (Kommo's webhooks are real requests from the sandbox).
 */
export interface MirrorWorld {
  tag: string;
  sandbox: RunningSandbox;
  env: TestEnv;
  api: FastifyInstance;
  apiUrl: string;
  subdomain: string;
  kommoAccountId: number;
  oauthClientId: string;
  kommoClientId: string;
  unisenderKey: string;
  service: KommoMirrorService;
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, key?: string): Promise<LightMyRequestResponse>;
}

/** The env's API (settings API_PORT and KOMMO_WEBHOOK_BASE_URL must name the port), listening on loopback. */
export async function startApi(env: TestEnv): Promise<FastifyInstance> {
  const api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
  await api.listen({ host: '127.0.0.1', port: env.settings.API_PORT });
  return api;
}

export async function mirrorWorld(sandbox: RunningSandbox, env: TestEnv, api: FastifyInstance, tag: string, opts: { contacts?: unknown[]; generate?: number } = {}): Promise<MirrorWorld> {
  const subdomain = tag.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const apiUrl = `http://127.0.0.1:${env.settings.API_PORT}`;
  const kommoClientId = `kommo-client-${tag}`;
  const clientSecret = `kommo-secret-${tag}-0123456789`;
  const redirectUri = `${apiUrl}/kommo/oauth/callback`;
  const seeded = await sandbox.control.seed<{ accounts: { accountId: number }[] }>('kommo', {
    accounts: [{ subdomain, clientId: kommoClientId, clientSecret, redirectUri, contacts: opts.contacts ?? [], ...(opts.generate ? { generateContacts: { count: opts.generate } } : {}) }],
  });
  const unisenderKey = `uni-key-${tag}-0123456789`;
  await sandbox.control.seed('unisender', { accounts: [{ id: `uni-${tag}`, apiKeys: [unisenderKey] }] });
  const oauthClientId = `kommo-${tag}`;
  await env.deps.oauthClients.upsert({ id: oauthClientId, provider: 'kommo', clientId: kommoClientId, clientSecret, redirectUri });
  const service = new KommoMirrorService({ settings: env.settings, kommo: env.deps.kommo, connections: env.deps.mirrorConnections, temporal: async () => env.client });
  const w: MirrorWorld = {
    tag,
    sandbox,
    env,
    api,
    apiUrl,
    subdomain,
    kommoAccountId: seeded.accounts[0]!.accountId,
    oauthClientId,
    kommoClientId,
    unisenderKey,
    service,
    // Through w.api, so a test that restarts the API (w.api = await startApi(env)) keeps calling the live one.
    call: (method, url, body, key) =>
      w.api.inject({ method, url, headers: { 'x-api-key': key ?? env.settings.ROOT_API_KEY }, ...(body === undefined ? {} : { payload: body as object }) }),
  };
  return w;
}

/** Kommo's redirect after consent, as the sandbox's consent page answers it: the callback's query. */
export async function consent(w: MirrorWorld, state: string): Promise<Record<string, string>> {
  const r = await w.sandbox.control.call<{ redirectUrl: string }>('POST', '/kommo/authorize', { subdomain: w.subdomain, state });
  return Object.fromEntries(new URL(r.redirectUrl).searchParams);
}

export const callbackUrl = (q: Record<string, string>): string => `/kommo/oauth/callback?${new URLSearchParams(q).toString()}`;

/** Every setup step through the API; answers the mirror id. */
export async function setUpMirror(w: MirrorWorld, list = 'Kommo contacts'): Promise<string> {
  const install = await w.call('GET', `/api/kommo/install?client=${w.oauthClientId}`);
  if (install.statusCode !== 200) throw new Error(`install: ${install.body}`);
  const cb = await w.api.inject({ method: 'GET', url: callbackUrl(await consent(w, install.json<{ state: string }>().state)) });
  if (cb.statusCode !== 200) throw new Error(`callback: ${cb.body}`);
  const mirrorId = cb.json<{ mirror: { id: string } }>().mirror.id;
  for (const [method, url, body] of [
    ['PUT', `/api/kommo/mirrors/${mirrorId}/unisender`, { apiKey: w.unisenderKey }],
    ['PUT', `/api/kommo/mirrors/${mirrorId}/list`, { title: list }],
    ['POST', `/api/kommo/mirrors/${mirrorId}/webhook`, undefined],
  ] as const) {
    const r = await w.call(method, url, body);
    if (r.statusCode !== 200) throw new Error(`${method} ${url}: ${r.body}`);
  }
  return mirrorId;
}

interface KommoStateContact {
  id: number;
  custom_fields_values: { field_code?: string; values: { value: string }[] }[] | null;
}

/** Every e-mail of every contact Kommo has now (the trash left out), lower-cased. */
export async function kommoEmails(w: MirrorWorld): Promise<string[]> {
  const s = await w.sandbox.control.state<{ accounts: { contacts: KommoStateContact[] }[] }>('kommo', { subdomain: w.subdomain });
  const all = s.accounts[0]!.contacts.flatMap((c) => (c.custom_fields_values ?? []).filter((f) => f.field_code === 'EMAIL').flatMap((f) => f.values.map((v) => v.value.trim().toLowerCase())));
  return [...new Set(all)].sort();
}

/** The e-mails on the mirror's Unisender list. */
export async function listEmails(w: MirrorWorld, mirrorId: string): Promise<string[]> {
  const m = await w.env.deps.kommo.mirrors.get(mirrorId);
  const s = await w.sandbox.control.state<{ accounts: { lists: { id: number; members: { email: string }[] }[] }[] }>('unisender', { apiKey: w.unisenderKey });
  const list = s.accounts[0]!.lists.find((l) => l.id === m.unisender?.listId);
  return (list?.members.map((x) => x.email.toLowerCase()) ?? []).sort();
}

/** Waits until the mirror's inbox is empty and its workflow idles; answers the status. */
export async function mirrorIdle(w: MirrorWorld, mirrorId: string, timeoutMs = 120_000, extra: (s: KommoMirrorStatus) => boolean = () => true): Promise<KommoMirrorStatus> {
  return waitFor(
    `mirror ${mirrorId} to drain its inbox`,
    async () => {
      const s = await w.service.status(mirrorId).catch(() => null);
      if (!s?.status || s.stored.inboxWaiting || s.stored.open || s.status.inbox.waiting) return undefined;
      return (s.status.phase === 'waiting' || s.status.phase === 'paused') && extra(s.status) ? s.status : undefined;
    },
    timeoutMs,
  );
}

/**
 * A burst of webhook events from Kommo: `rounds` rounds of `perRound` new contacts, each round's contacts then given
 * a second e-mail, and `midway` run after the middle round (once the worker has made its first import: a worker
 * process starting on a loaded machine takes a while). Then deletes of the first 200 contacts and restores of 100 of
 * them, and `beforeRestart` (with whatever `midway` stopped still stopped). Answers the e-mails Kommo holds at the end.
 */
export async function kommoBurst(
  w: MirrorWorld,
  opts: { rounds: number; perRound: number; prefix: string; midway: () => Promise<void>; beforeEnd?: () => Promise<void>; output: string[] },
): Promise<string[]> {
  const { sandbox, subdomain } = w;
  const ids: number[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    const contacts = Array.from({ length: opts.perRound }, (_, i) => ({ name: `${opts.prefix} ${round}-${i}`, email: `${opts.prefix}-${round}-${i}@example.com` }));
    const added = (await sandbox.control.call<{ contacts: { id: number }[] }>('POST', '/kommo/contacts', { subdomain, contacts })).contacts.map((c) => c.id);
    ids.push(...added);
    await sandbox.control.call('PATCH', '/kommo/contacts', { subdomain, contacts: added.map((id, i) => ({ id, email: [`${opts.prefix}-${round}-${i}@example.com`, `${opts.prefix}-moved-${round}-${i}@example.com`] })) });
    if (round === Math.floor(opts.rounds / 2)) {
      await withOutput(opts.output, waitFor('a first import', async () => (await sandbox.control.requests({ provider: 'unisender', path: 'importContacts' })).length > 0, 240_000));
      await opts.midway();
    }
  }
  const gone = ids.slice(0, 200);
  await sandbox.control.call('POST', '/kommo/contacts/delete', { subdomain, ids: gone });
  await sandbox.control.call('POST', '/kommo/contacts/restore', { subdomain, ids: gone.slice(0, 100) });
  await opts.beforeEnd?.();
  return kommoEmails(w);
}

/**
 * The end of a burst: the Unisender list equals `want` (Kommo's e-mails), the inbox is empty, the mirror idles with no
 * error, and Kommo never answered 429 or 403 (so never its 15-minute block).
 */
export async function expectMirrored(w: MirrorWorld, mirrorId: string, want: string[], output: string[]): Promise<void> {
  await withOutput(output, waitFor('the list to equal Kommo', async () => JSON.stringify(await listEmails(w, mirrorId)) === JSON.stringify(want), 300_000));
  const status = await mirrorIdle(w, mirrorId, 180_000);
  expect(await listEmails(w, mirrorId)).toEqual(want);
  expect(await w.env.deps.kommo.inbox.pending(mirrorId, 10)).toEqual([]);
  expect(status.lastError).toBeNull();
  const kommoAnswers = await w.sandbox.control.requests({ provider: 'kommo' });
  expect(kommoAnswers.filter((r) => r.status === 429 || r.status === 403)).toEqual([]);
}

/** A wait that, failing, says what the worker process printed last. */
const withOutput = <T>(output: string[], p: Promise<T>): Promise<T> =>
  p.catch((err: Error) => {
    throw new Error(`${err.message}\n${output.join('').slice(-4000)}`);
  });

/** A worker process for the world's mirror (its own task queue, database and sandbox); what it prints goes to `output`. */
export function spawnMirrorWorker(w: MirrorWorld, output: string[], extra: NodeJS.ProcessEnv = {}): ChildProcess {
  const { env } = w;
  const child = spawnWorker(
    {
      ...process.env,
      TEMPORAL_ADDRESS: env.settings.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      MONGODB_URI: env.mongoUri(),
      PROVIDERS_SANDBOX_URL: w.sandbox.baseUrl,
      KOMMO_WEBHOOK_BASE_URL: env.settings.KOMMO_WEBHOOK_BASE_URL,
      ENCRYPTION_KEY: env.settings.ENCRYPTION_KEY,
      CREATE_SCHEDULES: 'false',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    ['ignore', 'pipe', 'pipe'],
  );
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return child;
}
