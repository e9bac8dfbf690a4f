import type { people_v1 } from 'googleapis';
import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { accessTokenFor, ALICE, failure, peopleFor, peopleRaw, reasonOf, seedBasics } from './google-fixtures';

let people: people_v1.People;
const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
  // Listing many pages takes many reads: lift the per-minute quota out of the way here.
  await sb.control.configure('google', { readsPerMinute: 10_000, writesPerMinute: 10_000 });
  people = peopleFor(sb, ALICE.refreshToken);
});

type ErrorBody = { error: { code: number; message: string; status: string } };
const DAY = 24 * 3600 * 1000;

async function seedContacts(n: number): Promise<{ resourceName: string; etag: string }[]> {
  const r = await sb.control.seed<{ contacts: { resourceName: string; etag: string }[] }>('google', {
    contacts: Array.from({ length: n }, (_, i) => ({ user: ALICE.email, person: { names: [{ givenName: `G${String(i).padStart(4, '0')}`, familyName: `F${n - i}` }] } })),
  });
  return r.contacts;
}

const list = (p: people_v1.Params$Resource$People$Connections$List) => people.people.connections.list({ resourceName: 'people/me', ...p }, { retry: false });

/** Follows nextPageToken to the end, returning every page's data. */
async function allPages(p: people_v1.Params$Resource$People$Connections$List): Promise<people_v1.Schema$ListConnectionsResponse[]> {
  const pages: people_v1.Schema$ListConnectionsResponse[] = [];
  let pageToken: string | undefined;
  do {
    const r = await list({ ...p, ...(pageToken ? { pageToken } : {}) });
    pages.push(r.data);
    pageToken = r.data.nextPageToken ?? undefined;
  } while (pageToken);
  return pages;
}

describe('people.connections.list', () => {
  it('personFields is required -> 400 INVALID_ARGUMENT', async () => {
    const f = await failure(list({}));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    expect((f.data as ErrorBody).error.message).toMatch(/^personFields mask is required/);
  });

  it('no contacts: connections absent (and totalItems, a zero, left out)', async () => {
    const r = await list({ personFields: 'names' });
    expect(r.data).toEqual({});
    const withSync = await list({ personFields: 'names', requestSyncToken: true });
    expect(Object.keys(withSync.data)).toEqual(['nextSyncToken']);
  });

  it('pageSize defaults to 100 and must stay within 1..1000', async () => {
    await seedContacts(150);
    const first = await list({ personFields: 'names' });
    expect(first.data.connections).toHaveLength(100);
    expect(first.data.totalItems).toBe(150);
    expect(first.data.nextPageToken).toBeTruthy();
    expect((await failure(list({ personFields: 'names', pageSize: 1001 }))).status).toBe(400);
    expect((await failure(list({ personFields: 'names', pageSize: -1 }))).status).toBe(400);
    expect((await list({ personFields: 'names', pageSize: 1000 })).data.connections).toHaveLength(150);
  });

  it('pages with nextPageToken; nextSyncToken only on the last page', async () => {
    await seedContacts(250);
    const pages = await allPages({ personFields: 'names', pageSize: 100, requestSyncToken: true });
    expect(pages.map((p) => p.connections?.length)).toEqual([100, 100, 50]);
    expect(pages.map((p) => Boolean(p.nextSyncToken))).toEqual([false, false, true]);
    expect(pages.every((p) => p.totalItems === 250)).toBe(true);
    const names = pages.flatMap((p) => p.connections ?? []).map((c) => c.resourceName);
    expect(new Set(names).size).toBe(250);
  });

  it('other parameters must match the first call when paging -> 400 INVALID_ARGUMENT', async () => {
    await seedContacts(30);
    const first = await list({ personFields: 'names', pageSize: 10 });
    const token = first.data.nextPageToken ?? '';
    const f = await failure(list({ personFields: 'names,emailAddresses', pageSize: 10, pageToken: token }));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    expect((await failure(list({ personFields: 'names', pageSize: 20, pageToken: token }))).status).toBe(400);
    expect((await failure(list({ personFields: 'names', pageSize: 10, pageToken: token, requestSyncToken: true }))).status).toBe(400);
    expect((await list({ personFields: 'names', pageSize: 10, pageToken: token })).data.connections).toHaveLength(10);
    expect((await failure(list({ personFields: 'names', pageSize: 10, pageToken: 'made-up' }))).status).toBe(400);
  });

  it('sortOrder orders by names or modification; bad values -> 400', async () => {
    await seedContacts(3);
    const byFirst = await list({ personFields: 'names', sortOrder: 'FIRST_NAME_ASCENDING' });
    expect(byFirst.data.connections?.map((c) => c.names?.[0]?.givenName)).toEqual(['G0000', 'G0001', 'G0002']);
    const byLast = await list({ personFields: 'names', sortOrder: 'LAST_NAME_ASCENDING' });
    expect(byLast.data.connections?.map((c) => c.names?.[0]?.familyName)).toEqual(['F1', 'F2', 'F3']);
    const desc = await list({ personFields: 'names', sortOrder: 'LAST_MODIFIED_DESCENDING' });
    expect(desc.data.connections?.map((c) => c.names?.[0]?.givenName)).toEqual(['G0002', 'G0001', 'G0000']);
    expect((await failure(list({ personFields: 'names', sortOrder: 'RANDOM' }))).status).toBe(400);
  });
});

describe('incremental sync with syncToken', () => {
  async function fullSync(pageSize = 100): Promise<string> {
    const pages = await allPages({ personFields: 'names,emailAddresses', pageSize, requestSyncToken: true });
    const token = pages.at(-1)?.nextSyncToken;
    if (!token) throw new Error('no sync token');
    return token;
  }

  it('returns only changes since the token, deletions as {resourceName, etag, metadata:{deleted:true}}', async () => {
    const seeded = await seedContacts(5);
    const t1 = await fullSync();
    const [a, b] = seeded;
    await people.people.updateContact({ resourceName: a?.resourceName ?? '', updatePersonFields: 'names', requestBody: { etag: a?.etag ?? '', names: [{ givenName: 'Changed' }] } });
    await people.people.deleteContact({ resourceName: b?.resourceName ?? '' });
    const created = await people.people.createContact({ requestBody: { names: [{ givenName: 'New' }] } });
    const r = await list({ personFields: 'names,emailAddresses', pageSize: 100, requestSyncToken: true, syncToken: t1 });
    const byName = new Map((r.data.connections ?? []).map((c) => [c.resourceName, c]));
    expect(byName.size).toBe(3);
    expect(byName.get(a?.resourceName)?.names?.[0]?.givenName).toBe('Changed');
    expect(byName.get(b?.resourceName)).toEqual({ resourceName: b?.resourceName, etag: expect.any(String), metadata: { deleted: true } });
    expect(byName.get(created.data.resourceName)?.names?.[0]?.givenName).toBe('New');
    expect(r.data.totalItems).toBe(3);
    // Nothing changed since: no connections, a fresh token.
    const t2 = r.data.nextSyncToken ?? '';
    const quiet = await list({ personFields: 'names,emailAddresses', pageSize: 100, requestSyncToken: true, syncToken: t2 });
    expect(quiet.data.connections).toBeUndefined();
    expect(quiet.data.nextSyncToken).toBeTruthy();
  });

  it('incremental results page too, with the token on the last page only', async () => {
    const t1 = await fullSync(10);
    await seedContacts(25);
    const first = await list({ personFields: 'names,emailAddresses', pageSize: 10, requestSyncToken: true, syncToken: t1 });
    expect(first.data.connections).toHaveLength(10);
    expect(first.data.nextSyncToken).toBeUndefined();
    const pages = [first.data];
    let pageToken = first.data.nextPageToken ?? undefined;
    while (pageToken) {
      const r = await list({ personFields: 'names,emailAddresses', pageSize: 10, requestSyncToken: true, syncToken: t1, pageToken });
      pages.push(r.data);
      pageToken = r.data.nextPageToken ?? undefined;
    }
    expect(pages.map((p) => p.connections?.length)).toEqual([10, 10, 5]);
    expect(pages.at(-1)?.nextSyncToken).toBeTruthy();
  });

  it('sync tokens are bound to their parameters -> 400', async () => {
    const t1 = await fullSync();
    const f = await failure(list({ personFields: 'names', requestSyncToken: true, syncToken: t1 }));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    expect((await failure(list({ personFields: 'names,emailAddresses', syncToken: 'not-a-token' }))).status).toBe(400);
  });

  it('expire 7 days after the full sync: 400 FAILED_PRECONDITION reason EXPIRED_SYNC_TOKEN', async () => {
    const t1 = await fullSync();
    await sb.control.advanceClock(4 * DAY);
    // google-auth-library dates its cached token by the real clock: a fresh client refreshes after the jump.
    people = peopleFor(sb, ALICE.refreshToken);
    const mid = await list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t1 });
    const t2 = mid.data.nextSyncToken ?? '';
    await sb.control.advanceClock(3 * DAY + 1000);
    // t2 was issued 3 days ago but descends from a full sync 7 days old.
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const r = await peopleRaw(sb, token, 'GET', `people/me/connections?personFields=names,emailAddresses&requestSyncToken=true&syncToken=${encodeURIComponent(t2)}`);
    expect(r.status).toBe(400);
    expect((r.body as ErrorBody).error).toMatchObject({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: 'Sync token is expired. Clear local cache and retry call without the sync token.',
    });
    expect(reasonOf(r.body)).toBe('EXPIRED_SYNC_TOKEN');
  });

  it('the expired status string and the age base are switches', async () => {
    await sb.control.configure('google', { expiredSyncTokenStatus: 'INVALID_ARGUMENT', syncTokenExpiryFrom: 'issue' });
    const t1 = await fullSync();
    await sb.control.advanceClock(4 * DAY);
    people = peopleFor(sb, ALICE.refreshToken);
    const t2 = (await list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t1 })).data.nextSyncToken ?? '';
    await sb.control.advanceClock(4 * DAY);
    people = peopleFor(sb, ALICE.refreshToken);
    // Counted from its own issue, t2 is 4 days old: still fine; t1 is 8 days old: expired.
    expect((await list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t2 })).status).toBe(200);
    const f = await failure(list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t1 }));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    expect(reasonOf(f.data)).toBe('EXPIRED_SYNC_TOKEN');
  });

  it('write-visibility lag: a write shows up in sync results only after the lag', async () => {
    await sb.control.configure('google', { writeVisibilityLagMs: 5000 });
    const t1 = await fullSync();
    const created = await people.people.createContact({ requestBody: { names: [{ givenName: 'Late' }] } });
    const early = await list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t1 });
    expect(early.data.connections).toBeUndefined();
    // The token handed out now must not skip the hidden write.
    const t2 = early.data.nextSyncToken ?? '';
    await sb.control.advanceClock(5000);
    const late = await list({ personFields: 'names,emailAddresses', requestSyncToken: true, syncToken: t2 });
    expect(late.data.connections?.map((c) => c.resourceName)).toEqual([created.data.resourceName]);
  });
});
