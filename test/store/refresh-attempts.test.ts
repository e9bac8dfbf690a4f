import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTokenActivities } from '../../activities/tokens';
import { providerEndpoints } from '../../providers/endpoints';
import { FailureType, ProviderError } from '../../providers/errors';
import type { RefreshFn } from '../../providers/oauth';
import { openStores, type Stores } from '../../store';
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

async function attempt(accountId: string, attemptNo: number, heartbeatDetails: unknown): Promise<{ error: unknown; heartbeats: unknown[] }> {
  const activities = createTokenActivities({
    ...stores,
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
  it('counts an attempt that ended while calling the provider (timeout, dead worker), and gives up at the limit without calling again', async () => {
    const id = await account();
    calls = 0;
    const { error } = await attempt(id, 5, { transientFailures: 2, calling: true });
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(/gave up after 3 failed attempts \(the last one timed out or lost its worker/);
    expect(calls).toBe(0);
  });

  it('counts the dead attempt once, then its own failure; a 429 adds nothing', async () => {
    const id = await account();
    answer = () => Promise.reject(new ProviderError(FailureType.Transient, 'google', 'token endpoint answered 503'));
    const first = await attempt(id, 2, { transientFailures: 0, calling: true });
    expect((first.error as ApplicationFailure).nonRetryable).toBe(false);
    expect(first.heartbeats).toEqual([
      { transientFailures: 1, calling: false },
      { transientFailures: 1, calling: true },
      { transientFailures: 2, calling: false },
    ]);
    answer = () => Promise.reject(new ProviderError(FailureType.RateLimited, 'google', 'token endpoint answered 429', { retryAfterMs: 2000 }));
    const second = await attempt(id, 3, { transientFailures: 2, calling: false });
    expect((second.error as ApplicationFailure).nonRetryable).toBe(false);
    expect((second.error as ApplicationFailure).nextRetryDelay).toBe(2000);
    expect(second.heartbeats.at(-1)).toEqual({ transientFailures: 2, calling: false });
    answer = () => Promise.reject(new ProviderError(FailureType.Transient, 'google', 'token endpoint answered 503'));
    const third = await attempt(id, 4, { transientFailures: 2, calling: false });
    expect((third.error as ApplicationFailure).nonRetryable).toBe(true);
    expect((third.error as ApplicationFailure).message).toBe('google: token endpoint answered 503 (gave up after 3 failed attempts)');
  });
});
