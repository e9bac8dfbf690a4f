import { SyncService } from '../../clients/sync';
import type { Person } from '../../providers/google/types';
import type { ZohoContact } from '../../providers/zoho/types';
import type { ContactSyncStatus } from '../../workflows/contact-sync';
import { waitFor } from './capture';
import type { RunningSandbox } from './sandbox';
import type { TestEnv } from './stack';

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

  await env.deps.accounts.upsertClient({ id: `g-${tag}`, provider: 'google', ...gClient });
  await env.deps.accounts.upsertClient({ id: `z-${tag}`, provider: 'zoho', ...zClient });
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
