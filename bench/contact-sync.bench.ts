/**
 * `npm run bench -- contact-sync [--per-side 5000] [--matching 1000] [--changed 0.01] [--google-writes-per-minute 10]`
 *
 * One Google <-> Zoho CRM pairing on the real Temporal server against an in-process sandbox: --per-side contacts on
 * each side, --matching of them with the same e-mail (and content) on both; the first sync, then a cycle with
 * --changed of each side's contacts edited in the providers' UIs, then an idle cycle. Measures:
 *  - call_ratio: the provider API calls the three cycles made, divided by the fewest the providers' limits allow
 *    (listing pages of 1,000 Google / 200 CRM records, Google writes of 200, CRM writes of 100, one incremental
 *    listing per side a cycle, the CRM's deleted-records check when it is due, and no read-back of a record the
 *    listing has just shown);
 *  - initial_s: wall time of the first sync;
 *  - quota_use: the Google user's accepted writes' rate in the minutes its writes filled (counted from the first
 *    write; the last minute holds only what was left), divided by its write quota (the sandbox's `writesPerMinute`,
 *    set low enough that the first sync's writes need several minutes);
 *  - change_cycle_calls, idle_calls, idle_writes: API calls of the change cycle and of the idle cycle, and the
 *    idle cycle's writes;
 *  - duplicates: contacts over the expected number on either side after the three cycles.
 * Brings up the stack like the tests do; uses its own database and task queue.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config';
import { startBenchBed } from './harness';
import { temporalConnection } from '../config/temporal';
import type { ReceivedRequest } from '../sandbox/requests';
import { buildActivityDeps } from '../workers/deps';
import { createWorkers, runWorkers } from '../workers/worker';
import { SyncService, contactSyncWorkflowId } from '../clients/sync';
import { BATCH_LIMITS } from '../sync';
import { minimumCalls, type CycleWork } from './contact-sync-calls';
import { statusQuery, type ContactSyncStatus } from '../workflows/contact-sync';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const PER_SIDE = arg('per-side', 5000);
const MATCHING = arg('matching', 1000);
const CHANGED = arg('changed', 0.01);
const WRITES_PER_MINUTE = arg('google-writes-per-minute', 10);
const USER = 'bench-sync@example.com';
const G_CLIENT = { clientId: 'bench-sync.apps.googleusercontent.com', clientSecret: 'GOCSPX-bench-sync' };
const Z_CLIENT = { clientId: '1000.BENCHSYNC', clientSecret: 'bench-sync-zoho-secret' };
const G_TOKEN = 'ya29.bench-sync-access';
const Z_TOKEN = '1000.bench-sync.access';
const ORG = 'org-bench-sync';
const PAIRING = 'bench-sync';

/** A provider data call (not the token endpoints, not the control API). */
const isDataCall = (r: ReceivedRequest): boolean => (r.provider === 'google' && r.url.includes('/v1/')) || (r.provider === 'zoho' && r.url.includes('/api/crm/'));
const isWrite = (r: ReceivedRequest): boolean =>
  (r.provider === 'google' && r.method === 'POST' && /batch(Create|Update|Delete)Contacts|createContact/.test(r.url)) || (r.provider === 'zoho' && ['POST', 'PUT', 'DELETE', 'PATCH'].includes(r.method));

async function main(): Promise<void> {
  const base = loadSettings();
  const log = (l: string): boolean => process.stdout.write(`${l}\n`);
  const bed = await startBenchBed(base);
  const { sandboxUrl, control } = bed;

  const run = randomUUID().slice(0, 8);
  const settings = {
    ...base,
    LOG_LEVEL: 'warn' as const,
    CREATE_SCHEDULES: false,
    TEMPORAL_TASK_QUEUE: `bench-sync-${run}`,
    PROVIDERS_SANDBOX_URL: sandboxUrl,
    GOOGLE_WRITES_PER_MINUTE: WRITES_PER_MINUTE,
  };
  const { deps, db, close } = await buildActivityDeps(settings, { dbName: `bench_sync_${run}` });
  const clientConn = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConn, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect(temporalConnection(settings));

  try {
    // The two accounts, and the contacts: Google g0..g(N-1), CRM z0..z(N-1), the first MATCHING the same people.
    const email = (side: 'g' | 'z', i: number): string => (i < MATCHING ? `m${i}@bench.test` : `${side}${i}@bench.test`);
    const far = 30 * 24 * 3600;
    await control.configure('google', { writesPerMinute: WRITES_PER_MINUTE });
    await control.configure('zoho', { crmUniqueFields: { Contacts: ['Switchyard_Link_Id'] } });
    await control.seed('google', {
      clients: [{ ...G_CLIENT, redirectUris: [] }],
      users: [{ email: USER, clientId: G_CLIENT.clientId, refreshToken: '1//bench-sync-refresh', accessToken: G_TOKEN, accessTokenExpiresInSeconds: far }],
    });
    await control.seed('google', { contacts: Array.from({ length: PER_SIDE }, (_, i) => ({ user: USER, person: { names: [{ givenName: `G${i}`, familyName: 'Bench' }], emailAddresses: [{ value: email('g', i) }] } })) });
    await control.seed('zoho', {
      clients: [{ ...Z_CLIENT, redirectUris: [] }],
      accounts: [{ id: 'z-bench-sync', email: 'ops-bench-sync@example.com', org: ORG, clientId: Z_CLIENT.clientId, refreshToken: '1000.bench-sync.refresh', accessToken: Z_TOKEN, accessTokenExpiresInSeconds: far }],
    });
    const users = await fetch(`${sandboxUrl}/zoho/api/crm/v2/users?type=AllUsers`, { headers: { authorization: `Zoho-oauthtoken ${Z_TOKEN}` } });
    const ownerId = ((await users.json()) as { users: { id: string }[] }).users[0]!.id;
    // The matching CRM contacts hold what Google holds (first name G<i>): nothing to write for them. They were last
    // modified one a second over the past days, as an org's contacts are, not all in one second: the listing's overlap
    // window (SYNC_ZOHO_OVERLAP_SECONDS) before the first cycle's cursor then holds seconds of them, not all.
    const twoDaysAgo = Date.now() - 2 * 24 * 3600_000;
    const at = (i: number): string => new Date(twoDaysAgo + i * 1000).toISOString();
    const records = Array.from({ length: PER_SIDE }, (_, i) => ({ Owner: { id: ownerId }, First_Name: i < MATCHING ? `G${i}` : `Z${i}`, Last_Name: 'Bench', Email: email('z', i), Created_Time: at(i), Modified_Time: at(i) }));
    const seeded = await control.seed<{ crm: { ids: string[] }[] }>('zoho', { crm: [{ org: ORG, module: 'Contacts', records }] });
    const zohoIds = seeded.crm[0]!.ids;

    await deps.oauthClients.upsert({ id: 'bench-g', provider: 'google', ...G_CLIENT });
    await deps.oauthClients.upsert({ id: 'bench-z', provider: 'zoho', ...Z_CLIENT });
    const expiresAt = new Date(Date.now() + far * 1000);
    await deps.accounts.create({ id: 'acc-g-bench', provider: 'google', oauthClientId: 'bench-g', email: USER, refreshToken: '1//bench-sync-refresh', accessToken: G_TOKEN, expiresAt });
    await deps.accounts.create({ id: 'acc-z-bench', provider: 'zoho', oauthClientId: 'bench-z', email: 'ops-bench-sync@example.com', zohoDataCentre: 'com', refreshToken: '1000.bench-sync.refresh', accessToken: Z_TOKEN, expiresAt });
    const service = new SyncService({ settings, pairings: deps.pairings, links: deps.links, cycles: deps.cycles, accounts: deps.accounts, temporal: async () => client });

    const cycleDone = async (n: number): Promise<ContactSyncStatus> => {
      let shown = 0;
      for (;;) {
        // The workflow's own query: the service's status also counts links in MongoDB, slow on the local stack.
        const s = await client.workflow.getHandle(contactSyncWorkflowId(settings, PAIRING)).query(statusQuery).catch(() => null);
        if (s && s.cycle >= n && (s.phase === 'waiting' || s.phase === 'paused')) {
          if (s.paused || s.lastError) throw new Error(`cycle ${n}: ${s.paused?.reason ?? s.lastError?.message ?? ''}`);
          return s;
        }
        if (Date.now() - shown > 15_000) {
          log(`  cycle ${n}: ${s?.phase ?? 'starting'}${s?.progress ? ` ${s.progress.pushed}/${s.progress.batches} batches` : ''}`);
          shown = Date.now();
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    const since = async (): Promise<number> => (await control.call<{ lastSeq: number }>('GET', '/requests?path=__none__')).lastSeq;
    const dataCalls = async (from: number, to: number): Promise<ReceivedRequest[]> => (await control.requests({ since: from })).filter((r) => r.seq <= to && isDataCall(r));

    const workers = await createWorkers(settings, connection, deps, { overrides: { shutdownGraceTime: '5s' } });
    const phases = await runWorkers(workers, async () => {
      // 1. The first sync.
      const s0 = await since();
      const t0 = Date.now();
      await service.create({ id: PAIRING, googleAccountId: 'acc-g-bench', zohoAccountId: 'acc-z-bench', target: { kind: 'crm', ownerId }, policy: { deletion: 'delete' }, intervalSeconds: 86_400 }, 'bench');
      const first = await cycleDone(1);
      const initialMs = Date.now() - t0;
      const s1 = await since();
      log(`first sync: ${(initialMs / 1000).toFixed(1)} s, ${JSON.stringify({ google: first.last?.google, zoho: first.last?.zoho })}`);

      // 2. CHANGED of each side edited in the UIs (no API quota): Google's matched and own contacts, the CRM's own.
      const changed = Math.max(1, Math.round(PER_SIDE * CHANGED));
      const links = await deps.links.all(PAIRING);
      const byZoho = new Map(links.map((l) => [l.zohoId, l.googleId]));
      const zohoEdits = zohoIds.slice(PER_SIDE - changed);
      const editedInZoho = new Set(zohoEdits);
      const googleEdits = links.filter((l) => l.googleId && !editedInZoho.has(l.zohoId ?? '')).slice(0, changed);
      for (const l of googleEdits) await control.call('PATCH', '/google/contacts', { user: USER, resourceName: l.googleId, person: { organizations: [{ title: 'Edited in Google' }] } });
      for (const id of zohoEdits) await control.call('POST', '/zoho/crm/edit', { org: ORG, id, fields: { Title: 'Edited in Zoho' } });
      if (zohoEdits.some((id) => !byZoho.get(id))) throw new Error('an edited CRM contact has no link');
      await service.signal(PAIRING, 'resync');
      const second = await cycleDone(2);
      const s2 = await since();
      log(`change cycle: ${JSON.stringify({ google: second.last?.google, zoho: second.last?.zoho })}`);

      // 3. An idle cycle.
      await service.signal(PAIRING, 'resync');
      await cycleDone(3);
      const s3 = await since();
      return { initialMs, s0, s1, s2, s3, changed };
    });
    if (!phases) throw new Error('the workers stopped before the cycles finished');

    const initial = await dataCalls(phases.s0, phases.s1);
    const change = await dataCalls(phases.s1, phases.s2);
    const idle = await dataCalls(phases.s2, phases.s3);
    // What each cycle had to list and write. A listing after a cycle that wrote returns those writes too (Google's
    // sync token and the CRM's Modified_Time cursor were taken before them): the echoes, recognised and skipped.
    const onlyOneSide = PER_SIDE - MATCHING;
    const checked = (rs: ReceivedRequest[]): boolean => rs.some((r) => r.url.includes('/deleted'));
    const work: CycleWork[] = [
      { googleListed: PER_SIDE, zohoListed: PER_SIDE, googleWrites: { create: onlyOneSide, update: 0 }, zohoWrites: { create: onlyOneSide, update: 0 }, zohoDeletesCheck: checked(initial) },
      { googleListed: onlyOneSide + phases.changed, zohoListed: onlyOneSide + phases.changed, googleWrites: { create: 0, update: phases.changed }, zohoWrites: { create: 0, update: phases.changed }, zohoDeletesCheck: checked(change) },
      { googleListed: phases.changed, zohoListed: phases.changed, googleWrites: { create: 0, update: 0 }, zohoWrites: { create: 0, update: 0 }, zohoDeletesCheck: checked(idle) },
    ];
    const minimum = work.reduce((n, w) => n + minimumCalls(w, BATCH_LIMITS), 0);
    const made = initial.length + change.length + idle.length;

    // The Google user's writes of the first sync, counted in minutes from the first one: their rate in the minutes
    // they had to fill (every minute but the last, which holds only what was left), divided by the quota.
    const gAttempts = initial.filter((r) => r.provider === 'google' && isWrite(r));
    const gRefused = gAttempts.filter((r) => r.status === 429).length;
    const gWrites = gAttempts.filter((r) => r.status < 300).map((r) => Date.parse(r.at));
    const perMinute = minuteCounts(gWrites);
    const minutes = perMinute.length;
    const filled = minutes > 1 ? perMinute.slice(0, -1) : perMinute;
    const quotaUse = filled.reduce((a, b) => a + b, 0) / (filled.length * Math.min(WRITES_PER_MINUTE, gWrites.length || 1));

    // Duplicates: every contact once on each side, and nothing more.
    const people = await listGoogle(sandboxUrl);
    const crm = (await control.call<{ crm: { Contacts: { records: { Email?: string }[] } } }>('GET', `/zoho/state?org=${ORG}&module=Contacts`)).crm.Contacts.records;
    const expected = 2 * PER_SIDE - MATCHING;
    const duplicates = Math.max(0, people.length - expected) + Math.max(0, crm.length - expected) + extra(people) + extra(crm.map((r) => r.Email ?? ''));

    log(`calls: first sync ${initial.length}, change cycle ${change.length}, idle ${idle.length}; minimum ${minimum}; google writes ${gWrites.length} accepted (${gRefused} refused with 429) over ${minutes} min at ${WRITES_PER_MINUTE}/min (${perMinute.join(', ')} a minute)`);
    for (const [name, rs] of [['change', change], ['idle', idle]] as const) log(`  ${name}: ${rs.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`).join(', ')}`);
    log(
      `bench contact-sync: contacts=${2 * PER_SIDE} call_ratio=${(made / minimum).toFixed(3)} initial_s=${(phases.initialMs / 1000).toFixed(1)} quota_use=${quotaUse.toFixed(3)} ` +
        `change_cycle_calls=${change.length} idle_calls=${idle.length} idle_writes=${idle.filter(isWrite).length} duplicates=${duplicates}`,
    );
  } finally {
    await stopPairing(client, settings.TEMPORAL_TASK_QUEUE);
    await db.dropDatabase().catch(() => undefined);
    await close();
    await clientConn.close();
    await connection.close();
    await bed.close();
  }
}

/** How many of `times` (ms) fall in each minute counted from the first of them, empty minutes included. */
function minuteCounts(times: number[]): number[] {
  if (!times.length) return [];
  const t0 = Math.min(...times);
  const out: number[] = [];
  for (const t of times) {
    const m = Math.floor((t - t0) / 60_000);
    while (out.length <= m) out.push(0);
    out[m]!++;
  }
  return out;
}

/** Contacts whose e-mail appears more than once (each extra copy counts). */
function extra(rows: (string | { emailAddresses?: { value?: string }[] })[]): number {
  const emails = rows.map((r) => (typeof r === 'string' ? r : (r.emailAddresses?.[0]?.value ?? '')).toLowerCase());
  return emails.length - new Set(emails).size;
}

async function listGoogle(sandboxUrl: string): Promise<{ emailAddresses?: { value?: string }[] }[]> {
  const out: { emailAddresses?: { value?: string }[] }[] = [];
  let pageToken = '';
  do {
    const q = new URLSearchParams({ personFields: 'emailAddresses', pageSize: '1000', ...(pageToken ? { pageToken } : {}) });
    const res = await fetch(`${sandboxUrl}/google/v1/people/me/connections?${q.toString()}`, { headers: { authorization: `Bearer ${G_TOKEN}` } });
    const body = (await res.json()) as { connections?: { emailAddresses?: { value?: string }[] }[]; nextPageToken?: string };
    out.push(...(body.connections ?? []));
    pageToken = body.nextPageToken ?? '';
  } while (pageToken);
  return out;
}

async function stopPairing(client: Client, taskQueue: string): Promise<void> {
  for await (const wf of client.workflow.list({ query: `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"` })) {
    await client.workflow.getHandle(wf.workflowId).terminate('benchmark finished').catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench contact-sync failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
