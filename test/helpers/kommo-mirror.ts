import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApi } from '../../clients/api/server';
import { KommoMirrorService } from '../../clients/kommo';
import type { KommoMirrorStatus } from '../../workflows/kommo-mirror';
import { waitFor } from './capture';
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
