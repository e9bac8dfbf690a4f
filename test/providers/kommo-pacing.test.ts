import { describe, expect, it } from 'vitest';
import { KommoClient } from '../../providers/kommo/client';
import { KommoPacing } from '../../providers/kommo/pacing';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from '../sandbox/use-sandbox';
import { KOMMO_TOKEN } from './mirror-fixtures';

// The client paces itself under Kommo's 7 requests/s per account (the sandbox's default limit, on its clock), so a
// burst never meets a 429, let alone the 403 block. Judged from what the sandbox received, not from timings.

const sb: RunningSandbox = useSandbox(async () => {
  await sb.control.seed('kommo', { accounts: [{ subdomain: 'paced', tokens: [{ accessToken: KOMMO_TOKEN }], generateContacts: { count: 20 } }] });
});

describe('kommo client pacing', () => {
  it('sends a burst of 100 concurrent calls, from two clients sharing the account\'s pacing, without a single 429', { timeout: 60_000 }, async () => {
    const limit = await sb.control.state<{ config: { rateLimit: { perSecond: number } } }>('kommo', { contacts: '0' });
    expect(limit.config.rateLimit.perSecond).toBe(7);
    const pacing = new KommoPacing();
    const [a, b] = [0, 1].map(() => new KommoClient({ baseUrl: `${sb.baseUrl}/kommo/paced`, accessToken: async () => KOMMO_TOKEN, pacing }));
    const calls = Array.from({ length: 100 }, (_, i) => (i % 2 ? a!.getAccount() : b!.contactsPage({ ids: [1_000_001 + (i % 20)] })));
    await Promise.all(calls);
    const received = await sb.control.requests({ provider: 'kommo' });
    expect(received).toHaveLength(100);
    expect(received.filter((r) => r.status !== 200)).toEqual([]);
    const state = await sb.control.state<{ accounts: { rateLimit: { recentViolations: number; blockedUntil: string | null } }[] }>('kommo', { contacts: '0' });
    expect(state.accounts[0]?.rateLimit).toEqual({ recentViolations: 0, blockedUntil: null });
  });
});

describe('kommo pacing settings', () => {
  it('stays under Kommo\'s 7 requests/s: 7 or more, or a fraction, is refused', () => {
    expect(new KommoPacing().requestsPerSecond).toBe(6);
    expect(() => new KommoPacing(7)).toThrow(/1 to 6/);
    expect(() => new KommoPacing(2.5)).toThrow();
  });
});
