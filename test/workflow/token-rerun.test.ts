import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefreshAll, startRefreshToken } from '../../clients/tokens';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * Manual refreshes run again while the tokens are still valid (README, "Token refresh"): a second run within a
 * minute of the first skips the accounts and says why, `force` refreshes them, and a result says "refreshed"
 * only for a refresh the token endpoint really saw in this run. Own database: the counts are this file's alone.
 */
const CLIENT = { clientId: 'rerun-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-rerun-secret' };
let sandbox: RunningSandbox;
let env: TestEnv;
const tokenCalls = async (): Promise<number> => (await sandbox.control.requests({ provider: 'google', path: '/token' })).filter((r) => r.status === 200).length;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('token-rerun', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  await sandbox.control.seed('google', { clients: [{ ...CLIENT, redirectUris: [] }], generate: { count: 3, prefix: 'rerun', clientId: CLIENT.clientId } });
  await env.deps.oauthClients.upsert({ id: 'google-main', provider: 'google', ...CLIENT });
  await env.deps.accounts.createMany(
    [1, 2, 3].map((i) => ({ id: `g-rerun-${i}`, provider: 'google' as const, oauthClientId: 'google-main', email: `rerun${i}@example.com`, refreshToken: `1//rt-rerun${i}` })),
  );
});
afterAll(async () => {
  await env.close();
  await sandbox.close();
});

describe('running a refresh again while the tokens are valid', () => {
  it('bulk: the second run skips saying why, a forced run refreshes, and "refreshed" always means a call was made', async () => {
    await env.withWorker(async () => {
      const calls0 = await tokenCalls();
      const first = await (await startRefreshAll(env.client, env.settings, { provider: 'google' })).result();
      expect(first).toMatchObject({ refreshed: 3, skipped: 0, failedCount: 0 });
      expect((await tokenCalls()) - calls0).toBe(3);

      // Same workflow id, same activity ids, a new run: it must not take the first run's tokens for its own.
      const second = await (await startRefreshAll(env.client, env.settings, { provider: 'google' })).result();
      expect(second).toMatchObject({ refreshed: 0, skipped: 3, failedCount: 0 });
      expect((await tokenCalls()) - calls0).toBe(3);

      const forced = await (await startRefreshAll(env.client, env.settings, { provider: 'google', force: true })).result();
      expect(forced).toMatchObject({ refreshed: 3, skipped: 0, failedCount: 0 });
      expect((await tokenCalls()) - calls0).toBe(6);
    });
    for (const i of [1, 2, 3]) expect((await env.deps.accounts.get(`g-rerun-${i}`)).token.version).toBe(3);
  }, 120_000);

  it('one account: a second refresh right after the first is skipped with its reason; forced, it refreshes', async () => {
    await env.withWorker(async () => {
      const first = await (await startRefreshToken(env.client, env.settings, 'g-rerun-1', 'google', { force: true })).result();
      expect(first.outcome).toBe('refreshed');
      const before = await tokenCalls();
      const again = await (await startRefreshToken(env.client, env.settings, 'g-rerun-1', 'google')).result();
      expect(again).toMatchObject({ outcome: 'skipped', reason: 'refreshed moments ago by another run' });
      expect(await tokenCalls()).toBe(before);
      const forced = await (await startRefreshToken(env.client, env.settings, 'g-rerun-1', 'google', { force: true })).result();
      expect(forced.outcome).toBe('refreshed');
      expect(forced.reason).toBeUndefined();
      expect(await tokenCalls()).toBe(before + 1);
    });
  }, 60_000);
});
