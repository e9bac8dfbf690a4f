/**
 * `npm run bench -- kommo-mirror [--events 1000] [--per-delivery 50] [--rounds 2]`
 *
 * A Kommo account on the sandbox mirrored into a Unisender list, set up through the HTTP API as an operator would;
 * then, per round, a burst of --events contact adds made in Kommo, which the sandbox announces through real webhook
 * deliveries of --per-delivery contacts each to the API on loopback. Measures, over every round:
 *  - p50_ms, p99_ms: from the API's 2xx to a delivery (Kommo's attempt ended) to the Unisender import that carried
 *    the contact's e-mail (its arrival at the sandbox);
 *  - imports_per_500: Unisender import calls per 500 changed contacts (1.0 is one full 500-row import each);
 *  - kommo_calls_per_250: Kommo contact reads per 250 dirty contacts (1.0 is one full 250-id page each);
 *  - lost: e-mails of Kommo contacts missing from the list at the end; duplicated: e-mails imported more than once.
 * Brings up the stack like the tests do; its own database, task queue, sandbox, API and workers.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../config';
import { temporalConnection } from '../config/temporal';
import { ensureStack } from '../stack';
import type { SandboxControl } from '../sandbox/client';
import type { ReceivedRequest } from '../sandbox/requests';
import { buildApi } from '../clients/api/server';
import { kommoMirrorWorkflowId } from '../clients/kommo';
import { buildActivityDeps } from '../workers/deps';
import { createWorkers, runWorkers } from '../workers/worker';
// The tests' in-process sandbox on a free loopback port (no test framework in it).
import { startSandbox } from '../test/helpers/sandbox';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg('events', 1000);
const PER_DELIVERY = arg('per-delivery', 50);
const ROUNDS = Math.max(1, arg('rounds', 2));
const SUBDOMAIN = 'bench';
const KOMMO = { clientId: 'bench-kommo-client', clientSecret: 'bench-kommo-secret-0123456789' };
const UNISENDER_KEY = 'bench-unisender-key-0123456789';

interface Delivery {
  contactIds: number[];
  status: string;
  attempts: { at: string; status?: number; durationMs: number }[];
}
interface KommoView {
  accounts: { deliveries: Delivery[]; contacts: { id: number; custom_fields_values: { field_code?: string; values: { value: string }[] }[] | null }[] }[];
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const emailsOf = (r: ReceivedRequest): string[] => [...JSON.stringify(r.body ?? r.url).matchAll(/bench-\d+-\d+@example\.com/g)].map((m) => m[0]);

/** The setup steps through the API, as in the README: install, consent, callback, Unisender key, list, webhook. */
async function setUp(api: FastifyInstance, control: SandboxControl, rootKey: string): Promise<string> {
  const call = async (method: 'GET' | 'PUT' | 'POST', url: string, body?: object) => {
    const r = await api.inject({ method, url, headers: { 'x-api-key': rootKey }, ...(body ? { payload: body } : {}) });
    if (r.statusCode !== 200) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.json<Record<string, unknown>>();
  };
  const { state } = (await call('GET', '/api/kommo/install?client=bench-kommo')) as { state: string };
  const { redirectUrl } = await control.call<{ redirectUrl: string }>('POST', '/kommo/authorize', { subdomain: SUBDOMAIN, state });
  const cb = await api.inject({ method: 'GET', url: `/kommo/oauth/callback${new URL(redirectUrl).search}` });
  if (cb.statusCode !== 200) throw new Error(`callback: ${cb.body}`);
  const mirrorId = cb.json<{ mirror: { id: string } }>().mirror.id;
  await call('PUT', `/api/kommo/mirrors/${mirrorId}/unisender`, { apiKey: UNISENDER_KEY });
  await call('PUT', `/api/kommo/mirrors/${mirrorId}/list`, { title: 'Bench' });
  await call('POST', `/api/kommo/mirrors/${mirrorId}/webhook`);
  return mirrorId;
}

async function main(): Promise<void> {
  const base = loadSettings();
  await ensureStack(base, ['temporal', 'mongodb'], (l) => process.stdout.write(`[stack] ${l}\n`));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await startSandbox();
  const { baseUrl: sandboxUrl, control } = sandbox;

  const run = randomUUID().slice(0, 8);
  const settings = { ...base, LOG_LEVEL: 'warn' as const, CREATE_SCHEDULES: false, TEMPORAL_TASK_QUEUE: `bench-kommo-${run}`, PROVIDERS_SANDBOX_URL: sandboxUrl, KOMMO_MIRROR_POLL_SECONDS: 3600, API_PORT: 0 };
  const { deps, db, close } = await buildActivityDeps(settings, { dbName: `bench_kommo_${run}` });
  const clientConn = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConn, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect(temporalConnection(settings));
  // The API listens first, so its port is known to the webhook destinations the setup subscribes.
  const probe = await buildApi({ settings, db, temporal: async () => client });
  await probe.listen({ host: '127.0.0.1', port: 0 });
  const port = (probe.server.address() as AddressInfo).port;
  await probe.close();
  const apiSettings = { ...settings, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` };
  const api = await buildApi({ settings: apiSettings, db, temporal: async () => client });
  await api.listen({ host: '127.0.0.1', port });
  let mirrorId = '';

  try {
    await control.seed('kommo', { accounts: [{ subdomain: SUBDOMAIN, ...KOMMO, redirectUri: `http://127.0.0.1:${port}/kommo/oauth/callback` }] });
    await control.seed('unisender', { accounts: [{ id: 'uni-bench', apiKeys: [UNISENDER_KEY] }] });
    await deps.oauthClients.upsert({ id: 'bench-kommo', provider: 'kommo', ...KOMMO, redirectUri: `http://127.0.0.1:${port}/kommo/oauth/callback` });
    const workers = await createWorkers(apiSettings, connection, deps, { overrides: { shutdownGraceTime: '5s' } });
    const figures = await runWorkers(workers, async () => {
      mirrorId = await setUp(api, control, settings.ROOT_API_KEY);
      const latencies: number[] = [];
      let changed = 0;
      const since = (await control.requests({})).at(-1)?.seq ?? 0;
      for (let round = 0; round < ROUNDS; round++) {
        const t0 = Date.now();
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < EVENTS; i += PER_DELIVERY) {
          const contacts = Array.from({ length: Math.min(PER_DELIVERY, EVENTS - i) }, (_, j) => ({ name: `Bench ${round}-${i + j}`, email: `bench-${round}-${i + j}@example.com` }));
          sends.push(control.call('POST', '/kommo/contacts', { subdomain: SUBDOMAIN, contacts }));
        }
        await Promise.all(sends);
        changed += EVENTS;
        const want = new Set(Array.from({ length: EVENTS }, (_, k) => `bench-${round}-${k}@example.com`));
        const seen = new Map<string, number>();
        while (seen.size < want.size && Date.now() - t0 < 120_000) {
          await sleep(500);
          for (const r of await control.requests({ provider: 'unisender', path: 'importContacts', since })) {
            for (const e of emailsOf(r)) if (want.has(e) && !seen.has(e)) seen.set(e, Date.parse(r.at));
          }
        }
        const view = await control.state<KommoView>('kommo', { subdomain: SUBDOMAIN });
        const emailOfContact = new Map(view.accounts[0]!.contacts.map((c) => [c.id, c.custom_fields_values?.find((f) => f.field_code === 'EMAIL')?.values[0]?.value ?? '']));
        for (const d of view.accounts[0]!.deliveries) {
          const ok = d.attempts.find((a) => a.status !== undefined && a.status < 300);
          if (!ok) continue;
          const acceptedAt = Date.parse(ok.at) + ok.durationMs;
          for (const id of d.contactIds) {
            const at = seen.get(emailOfContact.get(id) ?? '');
            if (at !== undefined) latencies.push(Math.max(0, at - acceptedAt));
          }
        }
        process.stdout.write(`  round ${round + 1}: ${seen.size}/${want.size} in the list after ${Date.now() - t0} ms\n`);
      }
      await sleep(3000);
      const imports = await control.requests({ provider: 'unisender', path: 'importContacts', since });
      const reads = (await control.requests({ provider: 'kommo', method: 'GET', path: '/api/v4/contacts', since })).length;
      const imported = new Map<string, number>();
      for (const r of imports) for (const e of new Set(emailsOf(r))) imported.set(e, (imported.get(e) ?? 0) + 1);
      const unisender = await control.state<{ accounts: { lists: { title: string; members: { email: string }[] }[] }[] }>('unisender', { apiKey: UNISENDER_KEY });
      const onList = new Set(unisender.accounts[0]!.lists.find((l) => l.title === 'Bench')?.members.map((m) => m.email.toLowerCase()) ?? []);
      let lost = 0;
      for (let round = 0; round < ROUNDS; round++) for (let k = 0; k < EVENTS; k++) if (!onList.has(`bench-${round}-${k}@example.com`)) lost++;
      return {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        importsPer500: imports.length / (changed / 500),
        kommoPer250: reads / (changed / 250),
        lost,
        duplicated: [...imported.values()].filter((n) => n > 1).length,
      };
    });
    const f = figures!;
    process.stdout.write(
      `bench kommo-mirror: events=${EVENTS} p50_ms=${Math.round(f.p50)} p99_ms=${Math.round(f.p99)} imports_per_500=${f.importsPer500.toFixed(2)} kommo_calls_per_250=${f.kommoPer250.toFixed(2)} lost=${f.lost} duplicated=${f.duplicated}\n`,
    );
  } finally {
    if (mirrorId) await client.workflow.getHandle(kommoMirrorWorkflowId(settings, mirrorId)).terminate('bench over').catch(() => undefined);
    await api.close();
    await db.dropDatabase().catch(() => undefined);
    await close();
    await clientConn.close();
    await connection.close();
    await sandbox.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
