import { SyncService } from '../../clients/sync';
import type { Person } from '../../providers/google/types';
import type { ZohoContact } from '../../providers/zoho/types';
import type { ContactSyncStatus } from '../../workflows/contact-sync';
import type { Settings } from '../../config';
import { CapturedLog, waitFor } from './capture';
import { startSandbox, type RunningSandbox } from './sandbox';
import { createTestEnv, type TestEnv } from './stack';

/** A test file's sandbox, environment and worker (one for the whole file: pairings are long-lived workflows). */
export interface SyncBed {
  sandbox: RunningSandbox;
  env: TestEnv;
  /** Every line the test's activities logged. */
  log: CapturedLog;
  /** Terminates the pairings' workflows, stops the worker, drops the database, closes the sandbox. */
  close(): Promise<void>;
}

export async function startSyncBed(name: string, overrides: Partial<Settings> = {}): Promise<SyncBed> {
  const log = new CapturedLog();
  const sandbox = await startSandbox();
  const env = await createTestEnv(name, { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, LOG_LEVEL: 'info', ...overrides }, { logDestination: log });
  let stop: (() => void) | undefined;
  const running = env.withWorker(() => new Promise<void>((resolve) => (stop = resolve)));
  return {
    sandbox,
    env,
    log,
    async close() {
      await stopPairings(env);
      stop?.();
      await running;
      await env.close();
      await sandbox.close();
    },
  };
}

/**
 * A Google user and a Zoho CRM org on the sandbox, their accounts in the test's store (live access tokens, so no
 * refresh is needed unless a test makes one), and the service that pairs them.
 */
export interface SyncWorld {
  google: { email: string; accessToken: string; accountId: string };
  zoho: { accountId: string; sandboxAccount: string; org: string; accessToken: string; ownerId: string };
  service: SyncService;
}

export const LINK_FIELD = 'Switchyard_Link_Id';

export async function syncWorld(sandbox: RunningSandbox, env: TestEnv, tag: string): Promise<SyncWorld> {
  const email = `${tag}@example.com`;
  const gToken = `ya29.${tag}-access`;
  const zToken = `1000.${tag}.access`;
  const gClient = { clientId: `${tag}.apps.googleusercontent.com`, clientSecret: `GOCSPX-${tag}` };
  const zClient = { clientId: `1000.${tag.toUpperCase()}`, clientSecret: `zoho-${tag}-secret` };
  await sandbox.control.seed('google', {
    clients: [{ ...gClient, redirectUris: [] }],
    users: [{ email, clientId: gClient.clientId, refreshToken: `1//${tag}-refresh`, accessToken: gToken, accessTokenExpiresInSeconds: 30 * 24 * 3600 }],
  });
  const org = `org-${tag}`;
  const seeded = await sandbox.control.seed<{ accounts: { id: string }[] }>('zoho', {
    clients: [{ ...zClient, redirectUris: [] }],
    accounts: [{ id: `z-${tag}`, email: `ops-${tag}@example.com`, org, clientId: zClient.clientId, refreshToken: `1000.${tag}.refresh`, accessToken: zToken, accessTokenExpiresInSeconds: 30 * 24 * 3600 }],
  });
  // The link id field is marked unique in the CRM, so an upsert on it finds a create whose answer was lost.
  await sandbox.control.configure('zoho', { crmUniqueFields: { Contacts: [LINK_FIELD] } });
  const users = await fetch(`${sandbox.baseUrl}/zoho/api/crm/v2/users?type=AllUsers`, { headers: { authorization: `Zoho-oauthtoken ${zToken}` } });
  const ownerId = ((await users.json()) as { users: { id: string }[] }).users[0]!.id;

  await env.deps.oauthClients.upsert({ id: `g-${tag}`, provider: 'google', ...gClient });
  await env.deps.oauthClients.upsert({ id: `z-${tag}`, provider: 'zoho', ...zClient });
  const far = new Date(Date.now() + 30 * 24 * 3600_000);
  await env.deps.accounts.create({ id: `acc-g-${tag}`, provider: 'google', oauthClientId: `g-${tag}`, email, loginUserUsuario: ownerId, refreshToken: `1//${tag}-refresh`, accessToken: gToken, expiresAt: far });
  await env.deps.accounts.create({ id: `acc-z-${tag}`, provider: 'zoho', oauthClientId: `z-${tag}`, email: `ops-${tag}@example.com`, zohoDataCentre: 'com', refreshToken: `1000.${tag}.refresh`, accessToken: zToken, expiresAt: far });
  const service = new SyncService({ settings: env.settings, pairings: env.deps.pairings, links: env.deps.links, cycles: env.deps.cycles, accounts: env.deps.accounts, temporal: async () => env.client });
  return {
    google: { email, accessToken: gToken, accountId: `acc-g-${tag}` },
    zoho: { accountId: `acc-z-${tag}`, sandboxAccount: seeded.accounts[0]!.id, org, accessToken: zToken, ownerId },
    service,
  };
}

/** Google contacts of the world's user, as the People API lists them (names, e-mails, phones, clientData). */
export async function googleContacts(sandbox: RunningSandbox, w: SyncWorld): Promise<Person[]> {
  const out: Person[] = [];
  let pageToken = '';
  do {
    const q = new URLSearchParams({ personFields: 'names,emailAddresses,phoneNumbers,organizations,biographies,clientData,metadata', pageSize: '1000', ...(pageToken ? { pageToken } : {}) });
    const res = await fetch(`${sandbox.baseUrl}/google/v1/people/me/connections?${q.toString()}`, { headers: { authorization: `Bearer ${w.google.accessToken}` } });
    const body = (await res.json()) as { connections?: Person[]; nextPageToken?: string };
    out.push(...(body.connections ?? []));
    pageToken = body.nextPageToken ?? '';
  } while (pageToken);
  return out;
}

/** Zoho CRM contacts of the org (every owner), straight from the CRM API. */
export async function zohoContacts(sandbox: RunningSandbox, w: SyncWorld): Promise<ZohoContact[]> {
  const out: ZohoContact[] = [];
  for (let page = 1; ; page++) {
    const q = new URLSearchParams({ fields: `First_Name,Last_Name,Email,Phone,Title,Owner,${LINK_FIELD}`, page: String(page), per_page: '200' });
    const res = await fetch(`${sandbox.baseUrl}/zoho/api/crm/v2/Contacts?${q.toString()}`, { headers: { authorization: `Zoho-oauthtoken ${w.zoho.accessToken}` } });
    if (res.status === 204) break;
    const body = (await res.json()) as { data: ZohoContact[]; info: { more_records: boolean } };
    out.push(...body.data);
    if (!body.info.more_records) break;
  }
  return out;
}

/** Seeds Google contacts ("made in the Google UI"): no API quota spent. */
export async function seedGoogle(sandbox: RunningSandbox, w: SyncWorld, people: Person[]): Promise<void> {
  await sandbox.control.seed('google', { contacts: people.map((person) => ({ user: w.google.email, person })) });
}

/** Seeds CRM contacts owned by the pairing's owner. */
export async function seedZoho(sandbox: RunningSandbox, w: SyncWorld, records: Record<string, unknown>[]): Promise<string[]> {
  const r = await sandbox.control.seed<{ crm: { ids: string[] }[] }>('zoho', { crm: [{ org: w.zoho.org, module: 'Contacts', records: records.map((r) => ({ Owner: { id: w.zoho.ownerId }, ...r })) }] });
  return r.crm[0]?.ids ?? [];
}

/** Changes made by people in the providers' UIs: no API quota, no workflow rule, each one a change in the next pull. */
export const ui = {
  editGoogle: (sandbox: RunningSandbox, w: SyncWorld, resourceName: string, person: Person): Promise<Person> =>
    sandbox.control.call('PATCH', '/google/contacts', { user: w.google.email, resourceName, person }),
  deleteGoogle: (sandbox: RunningSandbox, w: SyncWorld, resourceNames: string[]): Promise<unknown> =>
    sandbox.control.call('POST', '/google/contacts/delete', { user: w.google.email, resourceNames }),
  editZoho: (sandbox: RunningSandbox, w: SyncWorld, id: string, fields: Record<string, unknown>): Promise<unknown> =>
    sandbox.control.call('POST', '/zoho/crm/edit', { org: w.zoho.org, id, fields }),
  deleteZoho: (sandbox: RunningSandbox, w: SyncWorld, ids: string[]): Promise<unknown> => sandbox.control.call('POST', '/zoho/crm/delete', { org: w.zoho.org, ids }),
};

/** The first e-mail of a Google contact or a CRM record, lower-cased. */
export const emailOf = (r: Person | ZohoContact): string | undefined => ('id' in r ? (r as ZohoContact).Email : (r as Person).emailAddresses?.[0]?.value)?.toLowerCase();

/** The records of a listing whose first e-mail is `email` (a duplicate shows as two). */
export const withEmail = <T extends Person | ZohoContact>(rows: T[], email: string): T[] => rows.filter((r) => emailOf(r) === email.toLowerCase());

/** The one record with that e-mail; fails when there is none or more than one. */
export function oneWithEmail<T extends Person | ZohoContact>(rows: T[], email: string): T {
  const found = withEmail(rows, email);
  if (found.length !== 1) throw new Error(`${found.length} records with e-mail ${email}`);
  return found[0]!;
}

/** The request log's sequence number now: requests after it are the ones a test provoked next. */
export const lastSeq = async (sandbox: RunningSandbox): Promise<number> => (await sandbox.control.call<{ lastSeq: number }>('GET', '/requests?path=__none__')).lastSeq;

/** The provider writes (Google batch/contact mutations, CRM writes) the sandbox received after `since`. */
export const writesSince = async (sandbox: RunningSandbox, since: number): Promise<string[]> =>
  (await sandbox.control.requests({ since }))
    .filter((r) => (r.provider === 'google' && r.method === 'POST' && /batch(Create|Update|Delete)Contacts|createContact/.test(r.url)) || (r.provider === 'zoho' && ['POST', 'PUT', 'DELETE', 'PATCH'].includes(r.method) && /\/(crm|creator)\//.test(r.url)))
    .map((r) => `${r.method} ${r.url.split('?')[0]}`);

/** Terminates the pairings' workflows a test file left running on its task queue (they would wait for hours). */
export async function stopPairings(env: TestEnv): Promise<void> {
  for await (const wf of env.client.workflow.list({ query: `TaskQueue="${env.taskQueue}" AND ExecutionStatus="Running"` })) {
    await env.client.workflow.getHandle(wf.workflowId).terminate('test file finished').catch(() => undefined);
  }
}

/** Waits until the pairing's workflow has finished cycle `n` and is waiting again; answers its status. */
export async function cycleDone(w: SyncWorld, pairingId: string, n: number, timeoutMs = 120_000): Promise<ContactSyncStatus> {
  return waitFor(
    `cycle ${n} of ${pairingId}`,
    async () => {
      const s = (await w.service.status(pairingId)).status;
      return s && s.cycle >= n && (s.phase === 'waiting' || s.phase === 'paused') ? s : undefined;
    },
    timeoutMs,
  );
}
