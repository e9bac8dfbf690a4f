import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

// Kommo limits: 7 requests/s per account (429, body not JSON), repeated violations -> 403 block; generic faults.

const SUB = 'busy';
const AT = 'at-busy';

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('kommo', { accounts: [{ subdomain: SUB, tokens: [{ accessToken: AT }], generateContacts: { count: 30 } }] });
});

const get = (path = '/api/v4/contacts?limit=5', sub = SUB): Promise<Response> =>
  fetch(`${sb.baseUrl}/kommo/${sub}${path}`, { headers: { authorization: `Bearer ${AT}` } });

/** Fires n requests back to back within the same fake-clock second (the clock is frozen relative to them). */
async function burst(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get();
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}

describe('kommo rate limit', () => {
  it('answers the 8th request within a second with 429 and a non-JSON body, then recovers', async () => {
    const statuses = await burst(8);
    expect(statuses.slice(0, 7)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(statuses[7]).toBe(429);
    const r = await get();
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).not.toContain('json');
    expect(await r.text()).toBe('');
    await sb.control.advanceClock(1_100);
    expect((await get()).status).toBe(200);
  });

  it('limits per account, not globally', async () => {
    await sb.control.seed('kommo', { accounts: [{ subdomain: 'calm', tokens: [{ accessToken: AT }] }] });
    await burst(8);
    expect((await get('/api/v4/account', 'calm')).status).toBe(200);
  });

  it('sends a configurable 429 body and content type', async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 2, body: 'Too Many Requests', contentType: 'text/plain' } });
    const statuses = await burst(3);
    expect(statuses).toEqual([200, 200, 429]);
    const r = await get();
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(await r.text()).toBe('Too Many Requests');
  });

  it('blocks the account with 403 after repeated violations, for the configured time', async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 1, blockAfter: 3, blockWindowSeconds: 60, blockSeconds: 120 } });
    const statuses = await burst(5);
    expect(statuses).toEqual([200, 429, 429, 429, 403]);
    const blocked = await get();
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('content-type')).toContain('application/problem+json');
    expect(await blocked.json()).toMatchObject({ status: 403 });
    const state = await sb.control.state<{ accounts: { rateLimit: { blockedUntil: string | null } }[] }>('kommo', { contacts: '0' });
    expect(state.accounts[0]?.rateLimit.blockedUntil).not.toBeNull();
    await sb.control.advanceClock(121_000);
    expect((await get()).status).toBe(200);
  });

  it('by default blocks after 20 429s in a minute, for 15 minutes of the fake clock', async () => {
    const statuses = await burst(7 + 20 + 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(statuses.at(-1)).toBe(403);
    await sb.control.advanceClock(14 * 60_000);
    expect((await get()).status).toBe(403);
    await sb.control.advanceClock(61_000);
    expect((await get()).status).toBe(200);
  });

  it('can be switched off', async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 0 } });
    expect((await burst(20)).every((s) => s === 200)).toBe(true);
  });
});

describe('generic faults against kommo endpoints', () => {
  beforeEach(async () => {
    await sb.control.configure('kommo', { rateLimit: { perSecond: 0 } });
  });

  it('fails the 3rd page with 500 (after=2) and then serves normally', async () => {
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/contacts', after: 2, status: 500, body: { title: 'boom' } });
    const statuses = await burst(4);
    expect(statuses).toEqual([200, 200, 500, 200]);
  });

  it('answers 429 with Retry-After, a mid-run 401, and resets a connection', async () => {
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/contacts', status: 429, retryAfter: 3 });
    const r = await get();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/contacts', status: 401, body: { title: 'Unauthorized', status: 401 } });
    expect((await get()).status).toBe(401);
    await sb.control.armFault({ provider: 'kommo', path: '/oauth2/access_token', reset: true });
    await expect(
      fetch(`${sb.baseUrl}/kommo/${SUB}/oauth2/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    ).rejects.toThrow();
  });

  it('slows a page down without changing its answer', async () => {
    await sb.control.armFault({ provider: 'kommo', path: '/api/v4/contacts', delayMs: 300 });
    const t0 = Date.now();
    const r = await get();
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
