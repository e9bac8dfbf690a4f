import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../store';
import { connectMongo, type Mongo } from '../../store/mongo';
import { hashState, type OAuthStateStore } from '../../store/oauth-states';
import { testSettings, unique } from '../helpers/stack';

let mongo: Mongo;
let states: OAuthStateStore;

beforeAll(async () => {
  mongo = await connectMongo(testSettings(), unique('test_states').replace(/-/g, '_'));
  states = (await openStores(mongo.db, { ENCRYPTION_KEY: 'cd'.repeat(32) })).oauthStates;
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

const connect = { provider: 'google', oauthClientId: 'g1', accountId: null, purpose: 'connect', ttlMs: 60_000 } as const;

describe('OAuth states', () => {
  it('stores only the hash of a state, bound to provider, OAuth client, account and purpose', async () => {
    const { state, expiresAt } = await states.issue({ ...connect, accountId: 'acc-1', purpose: 'reconnect' });
    const stored = await mongo.db.collection('oauth_states').findOne({ _id: hashState(state) as never });
    expect(stored).toMatchObject({ provider: 'google', oauthClientId: 'g1', accountId: 'acc-1', purpose: 'reconnect', expiresAt });
    expect(JSON.stringify(stored)).not.toContain(state);
  });

  it('is consumed once: a replay, a forged state and a badly signed one are unknown', async () => {
    const { state } = await states.issue(connect);
    const first = await states.consume(state, 'google', ['connect']);
    expect(first).toMatchObject({ ok: true, state: { oauthClientId: 'g1', accountId: null } });
    expect(await states.consume(state, 'google', ['connect'])).toEqual({ ok: false, reason: 'unknown' });
    expect(await states.consume('forged-state-value', 'google', ['connect'])).toEqual({ ok: false, reason: 'unknown' });
    const [nonce] = state.split('.');
    expect(await states.consume(`${nonce}.${'A'.repeat(43)}`, 'google', ['connect'])).toEqual({ ok: false, reason: 'unknown' });
  });

  it('lets exactly one of many concurrent consumers have it', async () => {
    const { state } = await states.issue(connect);
    const results = await Promise.all(Array.from({ length: 8 }, () => states.consume(state, 'google', ['connect'])));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('refuses an expired state and one presented to another provider or purpose, spending it', async () => {
    const expired = await states.issue({ ...connect, ttlMs: -1 });
    expect(await states.consume(expired.state, 'google', ['connect'])).toEqual({ ok: false, reason: 'expired' });
    const other = await states.issue(connect);
    expect(await states.consume(other.state, 'zoho', ['connect'])).toEqual({ ok: false, reason: 'mismatch' });
    expect(await states.consume(other.state, 'google', ['connect'])).toEqual({ ok: false, reason: 'unknown' });
    const install = await states.issue({ ...connect, purpose: 'install' });
    expect(await states.consume(install.state, 'google', ['connect', 'reconnect'])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reads a reconnect link without spending it, until it is spent', async () => {
    const link = await states.issue({ ...connect, accountId: 'acc-2', purpose: 'reconnect-link' });
    expect(await states.peek(link.state, 'reconnect-link')).toMatchObject({ accountId: 'acc-2' });
    expect(await states.peek(link.state, 'reconnect')).toBeNull();
    expect(await states.spend(hashState(link.state))).toBe(true);
    expect(await states.spend(hashState(link.state))).toBe(false);
    expect(await states.peek(link.state, 'reconnect-link')).toBeNull();
  });
});
