import type { people_v1 } from 'googleapis';
import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { accessTokenFor, ALICE, BOB, controlPost, failure, peopleFor, peopleRaw, reasonOf, seedBasics } from './google-fixtures';

/** The People API behaviours contact sync leans on: sync-token binding, full-sync cost, UI changes, one mutation at a time. */
let people: people_v1.People;
const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
  people = peopleFor(sb, ALICE.refreshToken);
});

type ErrorBody = { error: { code: number; message: string; status: string } };
const FIELDS = 'names,emailAddresses,clientData,metadata';

async function seedContacts(n: number): Promise<{ resourceName: string; etag: string }[]> {
  const r = await sb.control.seed<{ contacts: { resourceName: string; etag: string }[] }>('google', {
    contacts: Array.from({ length: n }, (_, i) => ({ user: ALICE.email, person: { names: [{ givenName: `G${i}` }] } })),
  });
  return r.contacts;
}

const list = (p: people_v1.Params$Resource$People$Connections$List) => people.people.connections.list({ resourceName: 'people/me', ...p }, { retry: false });

async function syncToken(pageSize = 100): Promise<string> {
  let pageToken: string | undefined;
  for (;;) {
    const r = await list({ personFields: FIELDS, pageSize, requestSyncToken: true, ...(pageToken ? { pageToken } : {}) });
    if (r.data.nextSyncToken) return r.data.nextSyncToken;
    pageToken = r.data.nextPageToken ?? undefined;
    if (!pageToken) throw new Error('listing ended without a sync token');
  }
}

/** Moves the fake clock to the start of a minute so a test's calls share one quota window. */
async function alignToMinute(): Promise<void> {
  const { now } = (await (await fetch(sb.control.url('/_control/clock'))).json()) as { now: string };
  await sb.control.advanceClock(60_000 - (Date.parse(now) % 60_000) + 1);
}

describe('sync tokens and page tokens are bound to the first call', () => {
  it('by default every parameter binds: another pageSize with the sync token -> 400 INVALID_ARGUMENT', async () => {
    await seedContacts(3);
    const t = await syncToken(100);
    const f = await failure(list({ personFields: FIELDS, pageSize: 10, requestSyncToken: true, syncToken: t }));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    const noRequest = await failure(list({ personFields: FIELDS, pageSize: 100, syncToken: t }));
    expect(noRequest.status).toBe(400);
    expect((await list({ personFields: FIELDS, pageSize: 100, requestSyncToken: true, syncToken: t })).status).toBe(200);
  });

  it("syncTokenBinding 'fieldsAndSources' lets pageSize and sortOrder change", async () => {
    await sb.control.configure('google', { syncTokenBinding: 'fieldsAndSources' });
    await seedContacts(3);
    const t = await syncToken(100);
    expect((await list({ personFields: FIELDS, pageSize: 10, requestSyncToken: true, syncToken: t })).status).toBe(200);
    expect((await failure(list({ personFields: 'names', pageSize: 10, requestSyncToken: true, syncToken: t }))).status).toBe(400);
  });

  it('a page token of an incremental listing carries its sync token: changing either -> 400', async () => {
    const t = await syncToken(2);
    await seedContacts(5);
    const first = await list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true, syncToken: t });
    const pageToken = first.data.nextPageToken ?? '';
    expect(pageToken).not.toBe('');
    expect((await failure(list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true, pageToken }))).status).toBe(400);
    expect((await list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true, syncToken: t, pageToken })).data.connections).toHaveLength(2);
  });
});

describe('a full sync costs extra quota', () => {
  it('the first page of a full sync costs 1 + fullSyncExtraReads reads; later pages and incremental calls cost 1', async () => {
    await sb.control.configure('google', { readsPerMinute: 10, fullSyncExtraReads: 5 });
    await seedContacts(4);
    await alignToMinute();
    people = peopleFor(sb, ALICE.refreshToken);
    const first = await list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true }); // 6
    await list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true, pageToken: first.data.nextPageToken ?? '' }); // 7
    await list({ personFields: FIELDS, pageSize: 2 }); // 8: not a sync request
    const again = await failure(list({ personFields: FIELDS, pageSize: 2, requestSyncToken: true })); // 14 > 10
    expect(again.status).toBe(429);
    expect(reasonOf(again.data)).toBe('RATE_LIMIT_EXCEEDED');
    await list({ personFields: FIELDS, pageSize: 2 }); // 9
    await list({ personFields: FIELDS, pageSize: 2 }); // 10
    expect((await failure(list({ personFields: FIELDS, pageSize: 2 }))).status).toBe(429);
  });
});

describe('changes made in the Google UI or by Google itself (control routes, no quota)', () => {
  it('touch: a new etag and updateTime, no data change; the old etag is stale; sync reports the contact', async () => {
    const [c] = await seedContacts(1);
    const t = await syncToken();
    const before = (await people.people.get({ resourceName: c?.resourceName ?? '', personFields: FIELDS })).data;
    const touched = await controlPost<{ contacts: { resourceName: string; etag: string }[] }>(sb, '/google/contacts/touch', { user: ALICE.email, resourceNames: [c?.resourceName] });
    expect(touched.contacts[0]?.etag).not.toBe(before.etag);
    const after = (await people.people.get({ resourceName: c?.resourceName ?? '', personFields: FIELDS })).data;
    expect(after.names).toEqual(before.names);
    expect(after.etag).toBe(touched.contacts[0]?.etag);
    expect(after.metadata?.sources?.[0]?.etag).not.toBe(before.metadata?.sources?.[0]?.etag);
    const stale = await failure(people.people.updateContact({ resourceName: c?.resourceName ?? '', updatePersonFields: 'names', requestBody: { etag: before.etag ?? '', names: [{ givenName: 'X' }] } }));
    expect(stale.status).toBe(400);
    expect((stale.data as ErrorBody).error.status).toBe('FAILED_PRECONDITION');
    const changes = await list({ personFields: FIELDS, pageSize: 100, requestSyncToken: true, syncToken: t });
    expect(changes.data.connections?.map((p) => p.resourceName)).toEqual([c?.resourceName]);
  });

  it('UI edit and UI delete show up in sync results and spend no API quota', async () => {
    const [a, b] = await seedContacts(2);
    const t = await syncToken();
    const { counters: before } = await sb.control.state<{ counters: { apiRequests: number } }>('google');
    const edited = await sb.control.call<{ names: { givenName: string }[]; etag: string }>('PATCH', '/google/contacts', {
      user: ALICE.email,
      resourceName: a?.resourceName,
      person: { names: [{ givenName: 'Edited' }], emailAddresses: [{ value: 'edited@example.com' }] },
    });
    expect(edited.names[0]?.givenName).toBe('Edited');
    expect(edited.etag).not.toBe(a?.etag);
    await controlPost(sb, '/google/contacts/delete', { user: ALICE.email, resourceNames: [b?.resourceName] });
    const { counters: after } = await sb.control.state<{ counters: { apiRequests: number } }>('google');
    expect(after.apiRequests).toBe(before.apiRequests);
    const changes = await list({ personFields: FIELDS, pageSize: 100, requestSyncToken: true, syncToken: t });
    const byName = new Map((changes.data.connections ?? []).map((p) => [p.resourceName, p]));
    expect(byName.get(a?.resourceName)?.emailAddresses?.[0]?.value).toBe('edited@example.com');
    expect(byName.get(b?.resourceName)?.metadata?.deleted).toBe(true);
    await expect(controlPost(sb, '/google/contacts/touch', { user: ALICE.email, resourceNames: ['people/c1'] })).rejects.toThrow(/400/);
  });
});

describe('one mutate request per user at a time', () => {
  const create = (p: people_v1.People, name: string) => p.people.createContact({ requestBody: { names: [{ givenName: name }] } }, { retry: false });

  it('a second mutate request of the same user while one is in flight -> 409 ABORTED; other users and reads are unaffected', async () => {
    await sb.control.configure('google', { mutationLatencyMs: 300 });
    const bob = peopleFor(sb, BOB.refreshToken);
    await list({ personFields: 'names' }); // refresh tokens first, so the calls below start together
    await bob.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    const results = await Promise.allSettled([create(people, 'one'), create(people, 'two'), create(bob, 'bob'), list({ personFields: 'names' })]);
    const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : ((r.reason as { status?: number }).status ?? 0)));
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    expect(statuses.slice(2)).toEqual([200, 200]);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { response: { data: ErrorBody } }).response.data.error.status).toBe('ABORTED');
    const st = await sb.control.state<{ counters: { concurrentMutationsRejected: number } }>('google');
    expect(st.counters.concurrentMutationsRejected).toBe(1);
  });

  it("concurrentMutations 'allow' lets them overlap", async () => {
    await sb.control.configure('google', { mutationLatencyMs: 200, concurrentMutations: 'allow' });
    await list({ personFields: 'names' });
    const results = await Promise.all([create(people, 'one'), create(people, 'two')]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('clientData and readMask on writes', () => {
  it('clientData is kept, written by batch create and batch update, and read back', async () => {
    const created = await people.people.batchCreateContacts({
      requestBody: { contacts: [{ contactPerson: { names: [{ givenName: 'Linked' }], clientData: [{ key: 'switchyard', value: 'link-1' }] } }], readMask: FIELDS },
    });
    const person = created.data.createdPeople?.[0]?.person;
    expect(person?.clientData?.[0]).toMatchObject({ key: 'switchyard', value: 'link-1' });
    const rn = person?.resourceName ?? '';
    const updated = await people.people.batchUpdateContacts({
      requestBody: { contacts: { [rn]: { etag: person?.etag ?? '', clientData: [{ key: 'switchyard', value: 'link-2' }] } }, updateMask: 'clientData', readMask: FIELDS },
    });
    const after = (updated.data.updateResult as Record<string, { person?: people_v1.Schema$Person }>)[rn]?.person;
    expect(after?.clientData?.[0]?.value).toBe('link-2');
    expect(after?.names?.[0]?.givenName).toBe('Linked');
    const got = await people.people.getBatchGet({ resourceNames: [rn], personFields: 'clientData' });
    expect(got.data.responses?.[0]?.person?.clientData?.[0]?.value).toBe('link-2');
  });

  it('the etag a write answers (readMask / personFields) is the current one: the next write with it succeeds', async () => {
    const created = await people.people.batchCreateContacts({ requestBody: { contacts: [{ contactPerson: { names: [{ givenName: 'A' }] } }], readMask: 'names' } });
    const p = created.data.createdPeople?.[0]?.person;
    const rn = p?.resourceName ?? '';
    const u1 = await people.people.batchUpdateContacts({ requestBody: { contacts: { [rn]: { etag: p?.etag ?? '', names: [{ givenName: 'B' }] } }, updateMask: 'names', readMask: 'names' } });
    const etag1 = (u1.data.updateResult as Record<string, { person?: { etag?: string } }>)[rn]?.person?.etag ?? '';
    expect(etag1).not.toBe(p?.etag);
    const u2 = await people.people.updateContact({ resourceName: rn, updatePersonFields: 'names', personFields: 'names', requestBody: { etag: etag1, names: [{ givenName: 'C' }] } });
    expect(u2.data.names?.[0]?.givenName).toBe('C');
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const current = await peopleRaw(sb, token, 'GET', `${rn}?personFields=names`);
    expect((current.body as { etag: string }).etag).toBe(u2.data.etag);
  });
});
