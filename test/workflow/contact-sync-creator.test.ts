import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSideFactory } from '../../activities/contacts/sides';
import { providerEndpoints } from '../../providers/endpoints';
import { parseFieldMapping, syncPolicySchema, type FieldMapping } from '../../sync';
import { cycleDone, emailOf, googleContacts, lastSeq, oneWithEmail, seedGoogle, startSyncBed, syncWorld, ui, writesSince, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import type { RunningSandbox } from '../helpers/sandbox';
import type { TestEnv } from '../helpers/stack';

/**
 * A Zoho Creator form as the target (the seed's BidireccionalGmailContacts), on the real Temporal server against the
 * sandbox; and the Zoho API host of an account whose token refresh has stored no api_domain yet.
 */
let bed: SyncBed;
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  bed = await startSyncBed('contact_sync_creator');
  ({ sandbox, env } = bed);
});
afterAll(() => bed?.close());

interface CreatorRow {
  ID: string;
  Name?: { first_name?: string; last_name?: string };
  Email?: string;
  Phone_Number?: string;
  Switchyard_Link_Id?: string;
}

const APP = { owner: 'ops-creator', app: 'contact-book', form: 'Contact', report: 'All_Contacts' };
const REPORT = `/zoho/api/creator/v2.1/data/${APP.owner}/${APP.app}/report/${APP.report}`;

async function seedCreator(records: Record<string, unknown>[]): Promise<string[]> {
  const r = await sandbox.control.seed<{ creator: { records: Record<string, string[]> }[] }>('zoho', {
    creator: [{ owner: APP.owner, app: APP.app, forms: [{ name: APP.form, fields: { Name: 'any', Email: 'email', Phone_Number: 'text', Switchyard_Link_Id: 'text' }, mandatory: ['Email'], records }], reports: [{ name: APP.report, form: APP.form }] }],
  });
  return r.creator[0]?.records[APP.form] ?? [];
}

/** Every record of the report, straight from the Creator API. */
async function creatorRows(w: SyncWorld): Promise<CreatorRow[]> {
  const res = await fetch(`${sandbox.baseUrl}${REPORT}?max_records=1000`, { headers: { authorization: `Zoho-oauthtoken ${w.zoho.accessToken}` } });
  if (res.status === 400) return []; // code 9280: no records
  return ((await res.json()) as { data: CreatorRow[] }).data;
}

const creatorEmails = (rows: CreatorRow[]): string[] => rows.map((r) => (r.Email ?? '').toLowerCase()).sort();
const person = (given: string, family: string, email: string) => ({ names: [{ givenName: given, familyName: family }], emailAddresses: [{ value: email }] });

describe('contact sync with a Zoho Creator form', () => {
  let w: SyncWorld;
  const id = 'creator';

  it('first sync matches on e-mail and creates the rest on each side, the Creator records carrying the link id', async () => {
    w = await syncWorld(sandbox, env, 'creator');
    await seedGoogle(sandbox, w, [person('Ana', 'Lopez', 'ana@creator.test'), person('Bea', 'Ruiz', 'bea@creator.test')]);
    await seedCreator([
      { Name: { first_name: 'Ana', last_name: 'Lopez' }, Email: 'ANA@creator.test', Phone_Number: '+52 55 1234 5678' },
      { Name: { first_name: 'Carl', last_name: 'Diaz' }, Email: 'carl@creator.test' },
    ]);
    await w.service.create({ id, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'creator', ...APP }, policy: { deletion: 'delete', maxDeleteFraction: 0.5 }, intervalSeconds: 3600 }, 'test');
    const s = await cycleDone(w, id, 1);
    expect(s.lastError).toBeNull();
    expect(s.last?.zoho).toEqual({ created: 1, updated: 0, deleted: 0, tagged: 0 });
    expect(s.last?.google).toMatchObject({ created: 1, deleted: 0 });

    const emails = ['ana@creator.test', 'bea@creator.test', 'carl@creator.test'];
    const rows = await creatorRows(w);
    const people = await googleContacts(sandbox, w);
    expect(creatorEmails(rows)).toEqual(emails);
    expect(people.map(emailOf).sort()).toEqual(emails);
    const bea = rows.find((r) => r.Email === 'bea@creator.test')!;
    expect(bea.Name).toEqual({ first_name: 'Bea', last_name: 'Ruiz' });
    const links = await env.deps.links.all(id);
    expect(links).toHaveLength(3);
    expect(links.find((l) => l.zohoId === bea.ID)?.linkId).toBe(bea.Switchyard_Link_Id);
    // The Creator-only phone reached Google.
    expect(oneWithEmail(people, 'ana@creator.test').phoneNumbers?.[0]?.value).toMatch(/5512345678$/);
  }, 180_000);

  it('edits and deletions on each side arrive on the other; idle cycles then write nothing', async () => {
    const rows = await creatorRows(w);
    const people = await googleContacts(sandbox, w);
    // Edited in Google: Ana's phone; deleted in Google: Bea. Edited in Creator: Carl's last name.
    await ui.editGoogle(sandbox, w, oneWithEmail(people, 'ana@creator.test').resourceName!, { phoneNumbers: [{ value: '+1 415 555 0199' }] });
    await ui.deleteGoogle(sandbox, w, [oneWithEmail(people, 'bea@creator.test').resourceName!]);
    const carl = rows.find((r) => r.Email === 'carl@creator.test')!;
    const edit = await fetch(`${sandbox.baseUrl}${REPORT}/${carl.ID}`, {
      method: 'PATCH',
      headers: { authorization: `Zoho-oauthtoken ${w.zoho.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { Name: { first_name: 'Carl', last_name: 'Diaz-Ortega' } } }),
    });
    expect(edit.status).toBe(200);

    await w.service.signal(id, 'resync');
    const s = await cycleDone(w, id, 2);
    expect(s.lastError).toBeNull();
    const rows2 = await creatorRows(w);
    expect(creatorEmails(rows2)).toEqual(['ana@creator.test', 'carl@creator.test']);
    expect(rows2.find((r) => r.Email?.toLowerCase() === 'ana@creator.test')?.Phone_Number).toMatch(/4155550199$/);
    expect(oneWithEmail(await googleContacts(sandbox, w), 'carl@creator.test').names?.[0]?.familyName).toBe('Diaz-Ortega');
    expect(await env.deps.links.count(id)).toBe(2);

    // Creator has no change feed: every cycle lists the report in full, and finds nothing to write.
    const since = await lastSeq(sandbox);
    for (let n = 3; n <= 4; n++) {
      await w.service.signal(id, 'resync');
      const idle = await cycleDone(w, id, n);
      expect(idle.last?.google).toEqual({ created: 0, updated: 0, deleted: 0, tagged: 0 });
      expect(idle.last?.zoho).toEqual({ created: 0, updated: 0, deleted: 0, tagged: 0 });
    }
    expect(await writesSince(sandbox, since)).toEqual([]);
  }, 240_000);
});

describe('the Zoho API host of an account', () => {
  it("comes from the account's data centre while no token refresh has stored an api_domain, and from api_domain after", async () => {
    const w = await syncWorld(sandbox, env, 'dc');
    await env.deps.accounts.create({ id: 'acc-z-dc-eu', provider: 'zoho', oauthClientId: 'z-dc', email: 'ops-dc-eu@example.com', zohoDataCentre: 'eu', refreshToken: '1000.dc.refresh', accessToken: w.zoho.accessToken, expiresAt: new Date(Date.now() + 24 * 3600_000) });
    expect((await env.deps.accounts.get('acc-z-dc-eu')).zoho).toEqual({ dataCentre: 'eu', apiDomain: null });
    // The real hosts per data centre; here each data centre's host is a path of the sandbox, only eu's answering.
    expect(providerEndpoints({ PROVIDERS_SANDBOX_URL: undefined, ZOHO_THROTTLE_RETRY_SECONDS: 60 }).zohoApiUrl('eu')).toBe('https://www.zohoapis.eu');
    const hosts = new Map([['eu', `${sandbox.baseUrl}/zoho/api`]]);
    const endpoints = { ...providerEndpoints(env.settings), zohoApiUrl: (dc: string) => hosts.get(dc) ?? `${sandbox.baseUrl}/no-such-dc-${dc}` };
    const sides = createSideFactory({ accounts: env.deps.accounts, pairings: env.deps.pairings, endpoints, settings: env.settings });
    const pairing = await env.deps.pairings.insert({
      _id: 'dc',
      googleAccountId: w.google.accountId,
      zohoAccountId: 'acc-z-dc-eu',
      target: { kind: 'crm', ownerId: null },
      mapping: { kind: 'crm', linkIdField: 'Switchyard_Link_Id' },
      policy: syncPolicySchema.parse({}),
      intervalSeconds: 3600,
      linkIdKey: 'switchyard:dc',
      updatedBy: 'test',
    });
    const mapping = (parseFieldMapping(pairing.mapping) as { ok: true; value: FieldMapping }).value;
    const since = await lastSeq(sandbox);
    const page = await (await sides(pairing, 'zoho', mapping)).listChanges(null);
    expect(page.kind).toBe('page');
    expect((await sandbox.control.requests({ since })).map((r) => r.url.split('?')[0])).toEqual(['/zoho/api/crm/v2/Contacts']);

    // A refresh stores the token answer's api_domain: from then on that host is used, whatever the data centre says.
    const account = await env.deps.accounts.get('acc-z-dc-eu');
    await env.deps.accounts.storeRefreshed('acc-z-dc-eu', account.token.version, { accessToken: w.zoho.accessToken, expiresAt: new Date(Date.now() + 24 * 3600_000), apiDomain: `${sandbox.baseUrl}/zoho/api/` });
    hosts.clear();
    const after = await lastSeq(sandbox);
    expect((await (await sides(pairing, 'zoho', mapping)).listChanges(null)).kind).toBe('page');
    expect((await sandbox.control.requests({ since: after })).map((r) => r.url.split('?')[0])).toEqual(['/zoho/api/crm/v2/Contacts']);
  }, 60_000);
});
