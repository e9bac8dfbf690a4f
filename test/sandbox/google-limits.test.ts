import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { accessTokenFor, ALICE, BOB, failure, peopleFor, peopleRaw, reasonOf, seedBasics } from './google-fixtures';

const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
  await alignToMinute();
});

/** Moves the fake clock to the start of a minute so a test's calls share one quota window. */
async function alignToMinute(): Promise<void> {
  const { now } = (await (await fetch(sb.control.url('/_control/clock'))).json()) as { now: string };
  const ms = Date.parse(now);
  await sb.control.advanceClock(60_000 - (ms % 60_000) + 1);
}

type ErrorBody = { error: { code: number; message: string; status: string; details: { reason: string; domain: string }[] } };

describe('People API per-user per-minute quotas', () => {
  it('the 61st critical read in a minute -> 429 RESOURCE_EXHAUSTED reason RATE_LIMIT_EXCEEDED; the next minute is fine', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names')).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const r = await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names');
    expect((r.body as ErrorBody).error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(reasonOf(r.body)).toBe('RATE_LIMIT_EXCEEDED');
    expect(r.headers.get('retry-after')).toBeNull();
    // Other users have their own budget.
    const bob = await accessTokenFor(sb, BOB.refreshToken);
    expect((await peopleRaw(sb, bob, 'GET', 'people/me/connections?personFields=names')).status).toBe(200);
    await sb.control.advanceClock(60_000);
    expect((await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names')).status).toBe(200);
  });

  it('the 31st critical write in a minute -> 429; writes and reads are separate budgets', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    for (let i = 0; i < 30; i++) expect((await peopleRaw(sb, token, 'POST', 'people:createContact', { names: [{ givenName: `N${i}` }] })).status).toBe(200);
    const over = await peopleRaw(sb, token, 'POST', 'people:createContact', { names: [{ givenName: 'late' }] });
    expect(over.status).toBe(429);
    expect(reasonOf(over.body)).toBe('RATE_LIMIT_EXCEEDED');
    expect((await peopleRaw(sb, token, 'GET', 'people/me/connections?personFields=names')).status).toBe(200);
  });

  it('limits, Retry-After and batch weighting are configurable; the official client sees the 429', async () => {
    await sb.control.configure('google', { readsPerMinute: 2, writesPerMinute: 5, quotaRetryAfterSeconds: 30, batchCountsPerContact: true });
    const people = peopleFor(sb, ALICE.refreshToken);
    await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    const f = await failure(people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false }));
    expect(f.status).toBe(429);
    expect(f.headers?.get('retry-after')).toBe('30');
    // A batch of 4 weighs 4: the next batch of 2 no longer fits in 5.
    const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ contactPerson: { names: [{ givenName: `B${i}` }] } }));
    await people.people.batchCreateContacts({ requestBody: { contacts: contacts(4), readMask: 'names' } });
    const heavy = await failure(people.people.batchCreateContacts({ requestBody: { contacts: contacts(2), readMask: 'names' } }));
    expect(heavy.status).toBe(429);
    const st = await sb.control.state<{ counters: { quotaRejectedReads: number; quotaRejectedWrites: number } }>('google');
    expect(st.counters).toMatchObject({ quotaRejectedReads: 1, quotaRejectedWrites: 1 });
  });
});

describe('google control API', () => {
  it('config refuses unknown keys and bad values with 400', async () => {
    await expect(sb.control.configure('google', { readsPerMinit: 5 })).rejects.toThrow(/400/);
    await expect(sb.control.configure('google', { readsPerMinute: 0 })).rejects.toThrow(/400/);
    const cfg = await sb.control.configure<{ readsPerMinute: number; writesPerMinute: number }>('google', { readsPerMinute: 7 });
    expect(cfg).toMatchObject({ readsPerMinute: 7, writesPerMinute: 30 });
  });

  it('seed validates contacts by the API rules and returns what it created', async () => {
    await expect(sb.control.seed('google', { contacts: [{ user: ALICE.email, person: { names: [{ givenName: 'a' }, { givenName: 'b' }] } }] })).rejects.toThrow(/400/);
    await expect(sb.control.seed('google', { users: [{ email: 'x@example.com', refreshToken: 'r', clientId: 'nope' }] })).rejects.toThrow(/400/);
    const r = await sb.control.seed<{ users: { email: string; refreshTokens: string[]; accessTokens: string[]; contacts: { resourceName: string }[] }[] }>('google', {
      users: [{ email: 'carol@example.com', accessToken: 'ya29.carol', refreshTokens: [{}], contacts: [{ resourceName: 'people/c123', names: [{ givenName: 'Seeded' }] }] }],
    });
    expect(r.users[0]).toMatchObject({ email: 'carol@example.com', accessTokens: ['ya29.carol'], contacts: [{ resourceName: 'people/c123' }] });
    expect(r.users[0]?.refreshTokens[0]).toMatch(/^1\/\//);
    const got = await peopleRaw(sb, 'ya29.carol', 'GET', 'people/c123?personFields=names');
    expect(got.status).toBe(200);
    const st = await sb.control.state<{ userCount: number; users: { email: string; contacts: number }[] }>('google');
    expect(st.users.find((u) => u.email === 'carol@example.com')?.contacts).toBe(1);
  });

  it('generate can also hand out access tokens and contacts per user', async () => {
    await sb.control.seed('google', { generate: { count: 3, prefix: 'g', clientId: 'client-1.apps.googleusercontent.com', accessTokens: true, contactsPerUser: 2 } });
    const r = await peopleRaw(sb, 'ya29.at-g2', 'GET', 'people/me/connections?personFields=names,emailAddresses');
    expect((r.body as { connections: unknown[] }).connections).toHaveLength(2);
  });
});
