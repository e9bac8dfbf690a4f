import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTokenActivities, type TokenActivityDeps } from '../../activities/tokens';
import { providerEndpoints } from '../../providers/endpoints';
import { FailureType, ProviderError } from '../../providers/errors';
import type { RefreshFn } from '../../providers/oauth';
import { openStores, type Stores } from '../../store';
import { createCipher } from '../../store/crypto';
import { connectMongo, type Mongo } from '../../store/mongo';
import { testSettings, unique } from '../helpers/stack';

// The refresh activity counts its transient failures across attempts in its heartbeat details (the retry policy
// has no attempt limit, so that 429s never fail an account). These run the activity body directly, with the
// details a previous attempt would have left, on the real store.
const settings = { ...testSettings(), TOKEN_REFRESH_MAX_TRANSIENT_FAILURES: 3 };
let mongo: Mongo;
let stores: Stores;
let calls = 0;
let answer: () => Promise<never> = () => Promise.reject(new Error('unset'));

const refresher: RefreshFn = async () => {
  calls++;
  return answer();
};

beforeAll(async () => {
  mongo = await connectMongo(settings, unique('test_attempts').replace(/-/g, '_'));
  stores = await openStores(mongo.db, settings);
  await stores.oauthClients.upsert({ id: 'g', provider: 'google', clientId: 'cid', clientSecret: 'secret' });
});
afterAll(async () => {
  await mongo.db.dropDatabase();
  await mongo.close();
});

async function attempt(accountId: string, attemptNo: number, heartbeatDetails: unknown, over: Partial<TokenActivityDeps> = {}): Promise<{ error: unknown; heartbeats: unknown[] }> {
  const activities = createTokenActivities({
    ...stores,
    ...over,
    endpoints: providerEndpoints(settings),
    refreshers: { google: refresher, zoho: refresher, kommo: refresher },
    temporal: null,
    log: pino({ level: 'silent' }),
    settings,
  });
  const env = new MockActivityEnvironment({ attempt: attemptNo, heartbeatDetails, activityId: `a-${accountId}` });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const error = await env.run(activities.refreshAccount, { accountId }).then(
    () => null,
    (e: unknown) => e,
  );
  return { error, heartbeats };
}

async function account(): Promise<string> {
  const id = unique('acc');
  await stores.accounts.create({ id, provider: 'google', oauthClientId: 'g', email: `${id}@example.com`, refreshToken: `rt-${id}` });
  return id;
}

describe('refresh attempts: the transient failure budget', () => {
  it('counts an attempt that ended without a report (timeout, dead worker), and gives up at the limit without calling again', async () => {
    const id = await account();
    calls = 0;
    // Attempts 1-3 reported 2 failures; attempt 4 left nothing: it died, most likely calling the provider.
    const { error } = await attempt(id, 5, { transientFailures: 2, through: 3 });
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(/gave up after 3 failed attempts \(the last one timed out or lost its worker/);
    expect(calls).toBe(0);
    // Details written before `through` existed say the same with `calling`.
    const old = await attempt(id, 5, { transientFailures: 2, calling: true });
    expect((old.error as ApplicationFailure).message).toMatch(/gave up after 3 failed attempts/);
    expect(calls).toBe(0);
  });

  it('counts every attempt that left no report, once each', async () => {
    const id = await account();
    answer = () => Promise.reject(new ProviderError(FailureType.Transient, 'google', 'token endpoint answered 503'));
    // Attempt 1 reported 0 failures through 1; attempts 2 and 3 died without a report.
    const { error } = await attempt(id, 4, { transientFailures: 0, through: 1 });
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toBe('google: token endpoint answered 503 (gave up after 3 failed attempts)');
  });

  it('counts the dead attempt once, then its own failure; a 429 adds nothing', async () => {
    const id = await account();
    answer = () => Promise.reject(new ProviderError(FailureType.Transient, 'google', 'token endpoint answered 503'));
    // Attempt 1 died without a report.
    const first = await attempt(id, 2, undefined);
    expect((first.error as ApplicationFailure).nonRetryable).toBe(false);
    expect(first.heartbeats).toEqual([{ transientFailures: 2, through: 2 }]);
    answer = () => Promise.reject(new ProviderError(FailureType.RateLimited, 'google', 'token endpoint answered 429', { retryAfterMs: 2000 }));
    const second = await attempt(id, 3, { transientFailures: 2, through: 2 });
    expect((second.error as ApplicationFailure).nonRetryable).toBe(false);
    expect((second.error as ApplicationFailure).nextRetryDelay).toBe(2000);
    expect(second.heartbeats).toEqual([{ transientFailures: 2, through: 3 }]);
    answer = () => Promise.reject(new ProviderError(FailureType.Transient, 'google', 'token endpoint answered 503'));
    const third = await attempt(id, 4, { transientFailures: 2, through: 3 });
    expect((third.error as ApplicationFailure).nonRetryable).toBe(true);
    expect((third.error as ApplicationFailure).message).toBe('google: token endpoint answered 503 (gave up after 3 failed attempts)');
  });

  it('records nothing on success: a refresh costs no heartbeat', async () => {
    const id = await account();
    answer = (() => Promise.resolve({ accessToken: 'ya29.fresh', expiresAt: new Date(Date.now() + 3600_000) })) as unknown as () => Promise<never>;
    const ok = await attempt(id, 1, undefined);
    expect(ok.error).toBeNull();
    expect(ok.heartbeats).toEqual([]);
  });

  it('does not believe a revocation of a refresh token that a committed reconnect had already replaced', async () => {
    const id = await account();
    // A reconnect committed a new refresh token and died before applying it to the account.
    await mongo.db.collection('token_journal').insertOne({
      _id: `${id}#2` as never,
      accountId: id,
      version: 2,
      kind: 'reconnect',
      owner: null,
      at: new Date(),
      set: [{ path: 'token.refresh', value: createCipher(settings.ENCRYPTION_KEY).encrypt(`rt-new-${id}`) }],
    });
    const sent: string[] = [];
    answer = () => Promise.reject(new ProviderError(FailureType.AuthRevoked, 'google', 'invalid_grant: Token has been expired or revoked.'));
    const seen: RefreshFn = async (input) => {
      sent.push(input.refreshToken);
      return answer();
    };
    const activities = createTokenActivities({ ...stores, endpoints: providerEndpoints(settings), refreshers: { google: seen, zoho: seen, kommo: seen }, temporal: null, log: pino({ level: 'silent' }), settings });
    const env = new MockActivityEnvironment({ attempt: 1, activityId: `a-${id}` });
    const error = await env.run(activities.refreshAccount, { accountId: id }).then(() => null, (e: unknown) => e);
    expect(sent).toEqual([`rt-${id}`]);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
    expect((error as ApplicationFailure).message).toMatch(/refresh token changed while it was being refreshed/);
    expect((await stores.accounts.get(id)).status).toBe('active');
  });

  it('a call the grant store cannot grant fails the attempt as transient, with no rotation marked and the lease released', async () => {
    await stores.oauthClients.upsert({ id: 'k', provider: 'kommo', clientId: 'kid', clientSecret: 'ksecret' });
    const id = unique('kacc');
    await stores.accounts.create({ id, provider: 'kommo', oauthClientId: 'k', kommoSubdomain: id.replace(/-/g, ''), refreshToken: `rt-${id}`, accessToken: `at-${id}`, expiresAt: new Date(Date.now() + 3600_000) });
    calls = 0;
    const rateGrants = Object.assign(Object.create(stores.rateGrants) as Stores['rateGrants'], { claim: () => Promise.reject(new Error('connection refused')) });
    const { error, heartbeats } = await attempt(id, 1, undefined, { rateGrants });
    expect((error as ApplicationFailure).type).toBe(FailureType.Transient);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
    expect((error as ApplicationFailure).message).toMatch(/no call to the kommo token endpoint could be granted \(connection refused\)/);
    expect(heartbeats).toEqual([{ transientFailures: 0, through: 1 }]);
    expect(calls).toBe(0);
    // Kommo was not called: the next attempt must not believe a rotation may have been lost.
    expect((await stores.accounts.get(id)).rotationPending ?? null).toBeNull();
    expect(await stores.refreshLeases.until(id)).toBeNull();
  });

  it('waiting for another run is reported as no failure', async () => {
    const id = await account();
    expect(await stores.refreshLeases.acquire(id, 'someone-else', 60_000)).toBe(true);
    const { error, heartbeats } = await attempt(id, 3, { transientFailures: 1, through: 2 });
    expect((error as ApplicationFailure).type).toBe(FailureType.RefreshInProgress);
    expect(heartbeats).toEqual([{ transientFailures: 1, through: 3 }]);
    await stores.refreshLeases.release(id, 'someone-else');
  });
});
