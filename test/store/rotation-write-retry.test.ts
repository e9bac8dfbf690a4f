import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MongoNetworkError } from 'mongodb';
import { createTokenActivities } from '../../activities/tokens';
import { REFRESHERS } from '../../providers';
import { providerEndpoints } from '../../providers/endpoints';
import { openStores, type Stores } from '../../store';
import type { AccountStore } from '../../store/accounts';
import { connectMongo, type Mongo } from '../../store/mongo';
import { bodyField } from '../helpers/requests';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { testSettings, unique } from '../helpers/stack';

// After Kommo rotates, the old refresh token is dead: the write of the new pair is the one write that must not be
// lost, so the refresh activity retries it in place when MongoDB blips instead of failing the attempt (whose retry
// would spend the dead token). These run the activity body on the real store and the sandbox's Kommo, with a
// store whose first writes of the refreshed pair fail.

const KOMMO_CLIENT = { clientId: 'kommo-blip-integration', clientSecret: 'kommo-blip-secret', redirectUri: 'https://switchyard.example/kommo/callback' };
const settings = testSettings();
let mongo: Mongo;
let sandbox: RunningSandbox;
let stores: Stores;
let accounts: AccountStore;

interface Blips {
  /** Writes of a refreshed pair that fail before reaching MongoDB. */
  failBefore?: number;
  /** Writes that land, then fail as if their answer was lost. */
  failAfter?: number;
}

/** An account store whose first writes of a refreshed pair hit MongoDB blips; everything else is the store itself. */
function blipping(accounts: AccountStore, blips: Blips): { store: AccountStore; writes: () => number } {
  let { failBefore = 0, failAfter = 0 } = blips;
  let writes = 0;
  const store = Object.create(accounts) as AccountStore;
  store.storeRefreshed = async (...args) => {
    writes++;
    if (failBefore > 0) {
      failBefore--;
      throw new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed');
    }
    const version = await accounts.storeRefreshed(...args);
    if (failAfter > 0) {
      failAfter--;
      throw new MongoNetworkError('connection 5 to 127.0.0.1:27017 timed out');
    }
    return version;
  };
  return { store, writes: () => writes };
}

beforeAll(async () => {
  sandbox = await startSandbox();
  mongo = await connectMongo(settings, unique('test_rotation_blip').replace(/-/g, '_'));
  stores = await openStores(mongo.db, settings);
  accounts = stores.accounts;
  await stores.oauthClients.upsert({ id: 'kommo-main', provider: 'kommo', ...KOMMO_CLIENT });
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
  await sandbox.close();
});

/** A Kommo account at the sandbox and in the store. */
async function kommoAccount(): Promise<{ id: string; subdomain: string; refresh: string }> {
  const subdomain = unique('blip').replace(/-/g, '');
  const refresh = `kommo-refresh-${subdomain}`;
  await sandbox.control.seed('kommo', { accounts: [{ subdomain, ...KOMMO_CLIENT, tokens: [{ accessToken: `kommo-access-${subdomain}`, refreshToken: refresh, accessExpiresInSeconds: 3600 }] }] });
  const id = `k-${subdomain}`;
  await accounts.create({ id, provider: 'kommo', oauthClientId: 'kommo-main', kommoSubdomain: subdomain, refreshToken: refresh, accessToken: `kommo-access-${subdomain}`, expiresAt: new Date(Date.now() + 3600_000) });
  return { id, subdomain, refresh };
}

/** The refresh activity body, run once as Temporal would run an attempt, on the given account store. */
async function refresh(store: AccountStore, accountId: string) {
  const activities = createTokenActivities({
    accounts: store,
    refreshLeases: stores.refreshLeases,
    rateGrants: stores.rateGrants,
    errorLogs: stores.errorLogs,
    endpoints: providerEndpoints({ ...settings, PROVIDERS_SANDBOX_URL: sandbox.baseUrl }),
    refreshers: REFRESHERS,
    temporal: null,
    log: pino({ level: 'silent' }),
    settings,
  });
  return new MockActivityEnvironment({ activityId: unique('refresh') }).run(activities.refreshAccount, { accountId });
}

/** What Kommo holds for an account: its live refresh and access tokens. */
async function liveAtKommo(subdomain: string): Promise<{ refresh: string[]; access: string[] }> {
  const state = await sandbox.control.state<{ accounts: { tokens: { token: string; kind: string; active: boolean }[] }[] }>('kommo', { subdomain, contacts: '0' });
  const live = state.accounts[0]!.tokens.filter((t) => t.active);
  return { refresh: live.filter((t) => t.kind === 'refresh').map((t) => t.token), access: live.filter((t) => t.kind === 'access').map((t) => t.token) };
}

/** The refresh worked once at Kommo and the pair it stored is the live one there. */
async function expectStoredLivePair(a: { id: string; subdomain: string; refresh: string }): Promise<void> {
  const calls = (await sandbox.control.requests({ provider: 'kommo', path: '/oauth2/access_token' })).filter((r) => bodyField(r, 'refresh_token') === a.refresh);
  expect(calls.map((r) => r.status)).toEqual([200]);
  const account = await accounts.get(a.id);
  expect(account).toMatchObject({ status: 'active', rotationPending: null, lastError: null });
  expect(account.token.version).toBe(2);
  expect(await stores.refreshLeases.until(a.id)).toBeNull();
  const creds = await accounts.credentials(account);
  const live = await liveAtKommo(a.subdomain);
  expect(creds.refreshToken).not.toBe(a.refresh);
  expect(live.refresh).toEqual([creds.refreshToken]);
  expect(live.access).toContain(creds.accessToken);
}

describe('the write of a rotated Kommo pair survives MongoDB blips', () => {
  it.each([
    ['the first two writes fail before reaching MongoDB', { failBefore: 2 }, 3],
    ['the first write lands but its answer is lost', { failAfter: 1 }, 2],
  ])('%s: retried in place, one call to Kommo, the new pair stored once', async (_what, blips, writes) => {
    const a = await kommoAccount();
    const flaky = blipping(accounts, blips);
    const result = await refresh(flaky.store, a.id);
    expect(result).toMatchObject({ outcome: 'refreshed', version: 2 });
    expect(flaky.writes()).toBe(writes);
    await expectStoredLivePair(a);
  });
});
