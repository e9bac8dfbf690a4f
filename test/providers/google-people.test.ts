import { describe, expect, it } from 'vitest';
import { FailureType, ProviderError } from '../../providers/errors';
import { WindowPacer } from '../../providers/http';
import { PeopleClient, type ItemResult, type PeopleClientOptions } from '../../providers/google/people';
import type { Person } from '../../providers/google/types';
import type { RunningSandbox } from '../helpers/sandbox';
import { providerFailure } from './secrets';
import { useSandbox } from '../sandbox/use-sandbox';
import { accessTokenFor, ALICE, seedBasics } from '../sandbox/google-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
  tokens.length = 0;
});

const DAY = 24 * 3600 * 1000;
const FIELDS = ['names', 'emailAddresses', 'clientData', 'metadata'];
/** Every access token handed to the client, to prove none leaks into an error. */
const tokens: string[] = [];

function client(over: Partial<PeopleClientOptions> = {}): PeopleClient {
  return new PeopleClient({
    rootUrl: `${sb.baseUrl}/google/`,
    accessToken: async () => {
      const t = await accessTokenFor(sb, ALICE.refreshToken);
      tokens.push(t);
      return t;
    },
    readsPerMinute: 10_000,
    writesPerMinute: 10_000,
    fullSyncExtraReads: 0,
    retry: { attempts: 3, maxWaitMs: 5000, baseDelayMs: 50 },
    ...over,
  });
}

const failure = (p: Promise<unknown>): Promise<ProviderError> => providerFailure(p, () => tokens, /Bearer /);


const ok = (r: ItemResult[]) => r.map((x) => (x.ok ? x.person : undefined));

async function seedPeople(n: number): Promise<{ resourceName: string; etag: string }[]> {
  const r = await sb.control.seed<{ contacts: { resourceName: string; etag: string }[] }>('google', {
    contacts: Array.from({ length: n }, (_, i) => ({ user: ALICE.email, person: { names: [{ givenName: `P${i}` }] } })),
  });
  return r.contacts;
}

async function fullSync(c: PeopleClient, pageSize: number): Promise<{ names: string[]; syncToken: string }> {
  const names: string[] = [];
  let syncToken = '';
  for await (const page of c.listAll({ personFields: FIELDS, pageSize })) {
    names.push(...(page.connections ?? []).map((p) => p.resourceName ?? ''));
    syncToken = page.nextSyncToken ?? syncToken;
  }
  return { names, syncToken };
}

describe('listing with sync tokens', () => {
  it('a full listing pages with the same parameters and ends with a sync token; an incremental one returns changes', async () => {
    const seeded = await seedPeople(5);
    const c = client();
    const full = await fullSync(c, 2);
    expect(full.names.sort()).toEqual(seeded.map((s) => s.resourceName).sort());
    expect(full.syncToken).not.toBe('');
    const pages = await sb.control.requests({ provider: 'google', path: '/connections' });
    const params = pages.map((r) => {
      const q = new URLSearchParams(r.url.split('?')[1]);
      q.delete('pageToken');
      return q.toString();
    });
    expect(new Set(params).size).toBe(1);
    expect(params[0]).toContain('requestSyncToken=true');

    const [a, b] = seeded;
    await sb.control.call('PATCH', '/google/contacts', { user: ALICE.email, resourceName: a?.resourceName, person: { names: [{ givenName: 'Edited' }] } });
    await c.batchDelete([b?.resourceName ?? '']);
    const changes: Person[] = [];
    let next = '';
    for await (const page of c.listAll({ personFields: FIELDS, pageSize: 2, syncToken: full.syncToken })) {
      changes.push(...(page.connections ?? []));
      next = page.nextSyncToken ?? next;
    }
    expect(changes).toHaveLength(2);
    expect(changes.find((p) => p.resourceName === b?.resourceName)).toMatchObject({ metadata: { deleted: true } });
    expect(next).not.toBe('');
  });

  it('an expired sync token is CursorExpired, detected by reason whatever the status string', async () => {
    await seedPeople(1);
    const c = client();
    const { syncToken } = await fullSync(c, 100);
    await sb.control.advanceClock(8 * DAY);
    const e = await failure(c.listPage({ personFields: FIELDS, pageSize: 100, syncToken }));
    expect(e.kind).toBe(FailureType.CursorExpired);
    expect(e.details).toMatchObject({ status: 400, code: 'EXPIRED_SYNC_TOKEN' });
    await sb.control.configure('google', { expiredSyncTokenStatus: 'INVALID_ARGUMENT' });
    expect((await failure(c.listPage({ personFields: FIELDS, pageSize: 100, syncToken }))).kind).toBe(FailureType.CursorExpired);
    // A full sync after it works again.
    expect((await fullSync(c, 100)).syncToken).not.toBe('');
  });
});

describe('batch writes and reads', () => {
  it('batchCreate answers the new etag (readMask); batchUpdate with it succeeds; batchGet reads back; batchDelete removes', async () => {
    const c = client();
    const created = await c.batchCreate(
      [
        { names: [{ givenName: 'Ann' }], clientData: [{ key: 'switchyard', value: 'link-1' }] },
        { names: [{ givenName: 'Bob' }] },
      ],
      FIELDS,
    );
    const [ann, bob] = ok(created);
    expect(ann?.etag).toEqual(expect.any(String));
    expect(ann?.clientData?.[0]?.value).toBe('link-1');
    const rn = ann?.resourceName ?? '';
    const updated = await c.batchUpdate({ [rn]: { etag: ann?.etag ?? '', names: [{ givenName: 'Anna' }] } }, ['names'], FIELDS);
    expect(updated[0]).toMatchObject({ resourceName: rn, ok: true, person: { names: [expect.objectContaining({ givenName: 'Anna' })] } });
    const got = await c.batchGet([rn, 'people/c1'], ['names']);
    expect(got[0]).toMatchObject({ ok: true, person: { resourceName: rn } });
    expect(got[1]).toMatchObject({ resourceName: 'people/c1', ok: false });
    await c.batchDelete([bob?.resourceName ?? '']);
    const st = await sb.control.state<{ contacts: unknown[] }>('google', { user: ALICE.email });
    expect(st.contacts).toHaveLength(1);
  });

  it('a stale etag is a Conflict naming the contact, per item or for the whole call', async () => {
    const [p] = await seedPeople(1);
    const rn = p?.resourceName ?? '';
    await sb.control.call('POST', '/google/contacts/touch', { user: ALICE.email, resourceNames: [rn] });
    const c = client();
    const [r] = await c.batchUpdate({ [rn]: { etag: p?.etag ?? '', names: [{ givenName: 'Mine' }] } }, ['names'], ['names']);
    expect(r?.ok).toBe(false);
    const err = r && !r.ok ? r.error : undefined;
    expect(err?.kind).toBe(FailureType.Conflict);
    expect(err?.message).toContain(rn);
    await sb.control.configure('google', { batchUpdateStaleEtag: 'wholeRequest' });
    const e = await failure(c.batchUpdate({ [rn]: { etag: p?.etag ?? '', names: [{ givenName: 'Mine' }] } }, ['names'], ['names']));
    expect(e.kind).toBe(FailureType.Conflict);
    // Never resent: one request each.
    expect(await sb.control.requests({ provider: 'google', path: 'batchUpdateContacts' })).toHaveLength(2);
  });

  it('more than the documented batch sizes is Invalid before any request', async () => {
    const c = client();
    const many = (n: number) => Array.from({ length: n }, (_, i) => `people/c${i + 1}`);
    expect((await failure(c.batchCreate(Array.from({ length: 201 }, () => ({ names: [{ givenName: 'x' }] })), ['names']))).kind).toBe(FailureType.Invalid);
    expect((await failure(c.batchDelete(many(501)))).kind).toBe(FailureType.Invalid);
    expect((await failure(c.batchGet(many(201), ['names']))).kind).toBe(FailureType.Invalid);
    expect((await failure(c.batchUpdate(Object.fromEntries(many(201).map((rn) => [rn, { etag: 'x' }])), ['names'], ['names']))).kind).toBe(FailureType.Invalid);
    expect(await sb.control.requests({ provider: 'google' })).toHaveLength(0);
  });

  it('mutate requests of one client go one at a time (the fake refuses overlapping ones)', async () => {
    await sb.control.configure('google', { mutationLatencyMs: 150 });
    const c = client();
    const results = await Promise.all([c.batchCreate([{ names: [{ givenName: 'A' }] }], ['names']), c.batchCreate([{ names: [{ givenName: 'B' }] }], ['names'])]);
    expect(results.flat().every((r) => r.ok)).toBe(true);
    const st = await sb.control.state<{ counters: { concurrentMutationsRejected: number } }>('google');
    expect(st.counters.concurrentMutationsRejected).toBe(0);
  });
});

describe('errors, retries and pacing', () => {
  const quota = { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED' }] } };

  it('a 429 with Retry-After is retried within the budget, then surfaced as RateLimited with the delay', async () => {
    const c = client();
    await sb.control.armFault({ provider: 'google', path: '/connections', status: 429, retryAfter: 1, body: quota });
    const page = await c.listPage({ personFields: FIELDS });
    expect(page).toBeDefined();
    expect(await sb.control.requests({ provider: 'google', path: '/connections' })).toHaveLength(2);
    await sb.control.armFault({ provider: 'google', path: '/connections', status: 429, retryAfter: 1, body: quota, times: 5 });
    const e = await failure(client({ retry: { attempts: 2, maxWaitMs: 5000 } }).listPage({ personFields: FIELDS }));
    expect(e.kind).toBe(FailureType.RateLimited);
    expect(e.details).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', retryAfterMs: 1000 });
  });

  it("the fake's own quota 429 reaches the caller once the budget is spent", async () => {
    await sb.control.configure('google', { readsPerMinute: 1, quotaRetryAfterSeconds: 30, fullSyncExtraReads: 0 });
    const c = client({ retry: { attempts: 3, maxWaitMs: 10_000 } });
    await c.listPage({ personFields: FIELDS });
    const e = await failure(c.listPage({ personFields: FIELDS }));
    expect(e.kind).toBe(FailureType.RateLimited);
    expect(e.details.retryAfterMs).toBe(30_000);
  });

  it('a write that failed with a 5xx is not resent (it may have happened); a 429 on a write is', async () => {
    const c = client();
    await sb.control.armFault({ provider: 'google', path: 'batchCreateContacts', status: 503, body: { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } } });
    const e = await failure(c.batchCreate([{ names: [{ givenName: 'X' }] }], ['names']));
    expect(e.kind).toBe(FailureType.Transient);
    expect(await sb.control.requests({ provider: 'google', path: 'batchCreateContacts' })).toHaveLength(1);
    await sb.control.armFault({ provider: 'google', path: 'batchCreateContacts', status: 429, retryAfter: 0, body: quota });
    expect((await c.batchCreate([{ names: [{ givenName: 'Y' }] }], ['names']))[0]?.ok).toBe(true);
  });

  it('an expired access token is AuthExpired; a token without the scope is AuthRevoked; no error holds the token', async () => {
    await sb.control.seed('google', { users: [{ email: 'carol@example.com', accessToken: 'ya29.carol-secret', accessTokenExpiresInSeconds: 60, clientId: 'client-1.apps.googleusercontent.com' }] });
    tokens.push('ya29.carol-secret');
    const c = new PeopleClient({ rootUrl: `${sb.baseUrl}/google/`, accessToken: async () => 'ya29.carol-secret', retry: { attempts: 1, maxWaitMs: 0 } });
    await sb.control.advanceClock(120_000);
    const e = await failure(c.listPage({ personFields: FIELDS }));
    expect(e.kind).toBe(FailureType.AuthExpired);
    expect(e.details).toMatchObject({ status: 401, code: 'ACCESS_TOKEN_EXPIRED' });
    await sb.control.seed('google', { users: [{ email: 'dave@example.com', accessToken: 'ya29.dave-secret', scope: 'openid', clientId: 'client-1.apps.googleusercontent.com' }] });
    tokens.push('ya29.dave-secret');
    const d = new PeopleClient({ rootUrl: `${sb.baseUrl}/google/`, accessToken: async () => 'ya29.dave-secret' });
    expect((await failure(d.listPage({ personFields: FIELDS }))).kind).toBe(FailureType.AuthRevoked);
  });

  it('reads are paced (a window of 1 s here, a minute by default): the next read waits for the window', async () => {
    let now = 0;
    const c = client({ pacers: { read: new WindowPacer(2, 1000, () => now), write: new WindowPacer(30, 1000, () => now) } });
    await c.listPage({ personFields: FIELDS });
    await c.listPage({ personFields: FIELDS });
    const third = c.listPage({ personFields: FIELDS });
    await new Promise((r) => setTimeout(r, 100));
    expect(await sb.control.requests({ provider: 'google', path: '/connections' })).toHaveLength(2);
    now = 1001;
    await third;
    expect(await sb.control.requests({ provider: 'google', path: '/connections' })).toHaveLength(3);
  });

  it('the first page of a full sync reserves fullSyncExtraReads more reads from the pacer', async () => {
    let now = 0;
    const c = client({ fullSyncExtraReads: 2, pacers: { read: new WindowPacer(4, 1000, () => now), write: new WindowPacer(30, 1000, () => now) } });
    const { syncToken } = await fullSync(c, 100); // 1 + 2 reads
    await c.listPage({ personFields: FIELDS, pageSize: 100, syncToken }); // 4th read: incremental, no extra
    const next = c.listPage({ personFields: FIELDS, pageSize: 100, syncToken });
    await new Promise((r) => setTimeout(r, 100));
    expect(await sb.control.requests({ provider: 'google', path: '/connections' })).toHaveLength(2);
    now = 1001;
    await next;
    expect(await sb.control.requests({ provider: 'google', path: '/connections' })).toHaveLength(3);
  });
});
