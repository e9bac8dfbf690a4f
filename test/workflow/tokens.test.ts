import type { ChildProcess } from 'node:child_process';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefreshAll, startRefreshToken } from '../../clients/tokens';
import { refreshToken, smokeWorkflow } from '../../workflows';
import { SA } from '../../common/names';
import { progressQuery } from '../../workflows/tokens';
import { CapturedLog, historiesText, mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { recordHistories } from '../helpers/histories';
import { bodyField, countBy, gapsAfter429 } from '../helpers/requests';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { leakedSecrets, sandboxCredentials } from '../helpers/secrets';
import { createTestEnv, sdkLog, unique, type TestEnv } from '../helpers/stack';
import type { AccountStore } from '../../store/accounts';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

const GOOGLE_CLIENT = { clientId: 'google-client-1.apps.googleusercontent.com', clientSecret: 'GOCSPX-google-client-secret-1' };
const KOMMO_CLIENT = { clientId: 'kommo-integration-1', clientSecret: 'kommo-client-secret-1', redirectUri: 'https://switchyard.example/kommo/callback' };
const ZOHO_CLIENT = { clientId: '1000.ZOHOCLIENT1', clientSecret: 'zoho-client-secret-1' };

const log = new CapturedLog();
const secrets = new Set<string>([GOOGLE_CLIENT.clientSecret, KOMMO_CLIENT.clientSecret, ZOHO_CLIENT.clientSecret]);
const workflowIds: string[] = [];
const childLogs: string[] = [];
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv(
    'tokens',
    { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, GOOGLE_TOKEN_RPS: 150, KOMMO_TOKEN_RPS: 50, ZOHO_TOKEN_RPS: 50, ZOHO_THROTTLE_RETRY_SECONDS: 1, TOKEN_REFRESH_MAX_TRANSIENT_FAILURES: 3, LOG_LEVEL: 'info' },
    { logDestination: log },
  );
  await sandbox.control.seed('google', { clients: [{ ...GOOGLE_CLIENT, redirectUris: [] }] });
  await env.deps.oauthClients.upsert({ id: 'google-main', provider: 'google', ...GOOGLE_CLIENT });
  await env.deps.oauthClients.upsert({ id: 'kommo-main', provider: 'kommo', ...KOMMO_CLIENT });
  await env.deps.oauthClients.upsert({ id: 'zoho-main', provider: 'zoho', ...ZOHO_CLIENT });
});

afterAll(async () => {
  // No secret in history or logs: every token, refresh token, client secret and code the test seeded or the
  // sandbox was sent or issued (its request log) is searched for, in the activity log, the SDK's own log lines
  // (activity failures with their error chains) and the spawned workers' output.
  try {
    const all = new Set([...secrets, ...(await sandboxCredentials(sandbox.control))]);
    expect([...all].some((s) => s.startsWith('ya29.')), 'the Google access tokens the sandbox issued are searched for').toBe(true);
    const histories = await historiesText(env.client, workflowIds);
    const logs = log.text + sdkLog.text + childLogs.join('');
    expect(histories.length).toBeGreaterThan(1000);
    expect(logs).toContain('token refreshed');
    expect(sdkLog.text).toContain('Activity failed');
    expect(leakedSecrets(histories, all), 'secrets in histories').toEqual([]);
    expect(leakedSecrets(logs, all), 'secrets in logs').toEqual([]);
  } finally {
    await stopWorkers();
    await env.close();
    await sandbox.close();
  }
});

/** Google accounts `g-<prefix>-00001`... whose refresh tokens are `1//rt-<prefix>1`..., at the sandbox and in the store. */
async function googleAccounts(count: number, prefix: string, accounts: AccountStore = env.deps.accounts): Promise<string[]> {
  await sandbox.control.seed('google', { generate: { count, prefix, clientId: GOOGLE_CLIENT.clientId } });
  const ids = Array.from({ length: count }, (_, i) => `g-${prefix}-${String(i + 1).padStart(5, '0')}`);
  await accounts.createMany(
    ids.map((id, i) => ({ id, provider: 'google', oauthClientId: 'google-main', email: `${prefix}${i + 1}@example.com`, refreshToken: `1//rt-${prefix}${i + 1}` })),
  );
  secrets.add(`1//rt-${prefix}1`);
  secrets.add(`1//rt-${prefix}${count}`);
  return ids;
}

/** A test env with a store of its own (its own accounts), the Google OAuth client in it, logging to the file's log. */
async function googleEnv(name: string): Promise<TestEnv> {
  const own = await createTestEnv(name, { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, GOOGLE_TOKEN_RPS: 150, LOG_LEVEL: 'info' }, { logDestination: log });
  await own.deps.oauthClients.upsert({ id: 'google-main', provider: 'google', ...GOOGLE_CLIENT });
  return own;
}

/** Successful token calls per refresh token since a point in the sandbox's request log. */
async function googleRefreshesSince(since: number): Promise<Map<string, number>> {
  const calls = await sandbox.control.requests({ provider: 'google', path: '/token', since });
  return countBy(calls.filter((r) => r.status === 200), (r) => bodyField(r, 'refresh_token'));
}

const lastSeq = async (): Promise<number> => Math.max(0, ...(await sandbox.control.requests()).map((r) => r.seq));

/** Refresh tokens that were used more, or less, than once. */
const notOnce = (refreshes: Map<string, number>, refreshTokens: string[]): string[] => refreshTokens.filter((t) => refreshes.get(t) !== 1).map((t) => `${t}: ${refreshes.get(t) ?? 0}`);

describe('token refresh workflows (real Temporal, sandbox providers)', () => {
  it('bulk-refreshes 1,000 Google accounts under the token endpoint limit, with no failure surfaced from a 429', async () => {
    // A store of its own: a bulk run refreshes every active Google account, so the accounts other tests of this
    // file add (and refresh) must not be in it, whichever ran first.
    const own = await googleEnv('tokens_bulk');
    try {
      await googleAccounts(1000, 'bulk', own.deps.accounts);
      // The fake allows 20 refreshes/s; the queue lets bursts of up to 150/s through, so 429s do happen and must be
      // absorbed by retries that wait for Retry-After.
      await sandbox.control.configure('google', { tokenRateLimitPerSecond: 20, tokenRateLimitRetryAfterSeconds: 1 });
      const since = await lastSeq();
      const result = await own.withWorker(async () => {
        const handle = await startRefreshAll(own.client, own.settings, { provider: 'google', concurrency: 60, pageSize: 250 });
        workflowIds.push(handle.workflowId);
        const progress = await waitFor('progress query', async () => {
          const p = await handle.query(progressQuery);
          return p.refreshed > 0 ? p : undefined;
        });
        expect(progress.provider).toBe('google');
        return handle.result();
      });
      expect(result).toMatchObject({ refreshed: 1000, skipped: 0, failedCount: 0, failed: [] });
      expect(result.pages).toBeGreaterThanOrEqual(4);
      const tokenCalls = await sandbox.control.requests({ provider: 'google', path: '/token', since });
      expect(tokenCalls.some((r) => r.status === 429)).toBe(true);
      // Exactly one successful call per account, counted by the refresh token each call carried: a duplicate
      // refresh of any one account (a retry after Google answered, an account listed twice) shows here even when
      // the run's counts look right.
      const refreshes = await googleRefreshesSince(since);
      expect(notOnce(refreshes, Array.from({ length: 1000 }, (_, i) => `1//rt-bulk${i + 1}`)), 'accounts not refreshed exactly once').toEqual([]);
      expect([...refreshes.values()].reduce((a, b) => a + b, 0)).toBe(1000);
      const stored = await own.deps.accounts.get('g-bulk-00500');
      expect(stored.token.version).toBe(2);
      expect(stored.token.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    } finally {
      // The limit applies to this test only, however it ended.
      await sandbox.control.configure('google', { tokenRateLimitPerSecond: null });
      await own.close();
    }
  }, 240_000);

  it('continues as new in the middle of the account list and refreshes every account exactly once', async () => {
    // A store of its own, so the run lists exactly these accounts whatever ran before.
    const own = await googleEnv('tokens_can');
    try {
      const ids = await googleAccounts(90, 'can', own.deps.accounts);
      const since = await lastSeq();
      // A tiny history budget forces several continue-as-new hops, each with lanes in flight and a page read ahead.
      const result = await own.withWorker(async () => {
        const handle = await startRefreshAll(own.client, own.settings, { provider: 'google', expiringWithinMinutes: 5, concurrency: 4, pageSize: 16, historyBudget: 100 });
        workflowIds.push(handle.workflowId);
        return handle.result();
      });
      expect(result.runs).toBeGreaterThanOrEqual(3);
      // Each refreshed once, none skipped as "refreshed moments ago", none missed or repeated at a hop.
      expect(result).toMatchObject({ refreshed: 90, skipped: 0, failedCount: 0 });
      const refreshes = await googleRefreshesSince(since);
      expect(notOnce(refreshes, Array.from({ length: 90 }, (_, i) => `1//rt-can${i + 1}`)), 'accounts not refreshed exactly once').toEqual([]);
      expect([...refreshes.values()].reduce((a, b) => a + b, 0)).toBe(90);
      for (const id of ids) expect((await own.deps.accounts.get(id)).token.version, id).toBe(2);
      await recordHistories(own.client, 'refresh-all-continue-as-new', workflowIds.at(-1)!, 'tokens.test.ts: continues as new in the middle of the account list');
    } finally {
      await own.close();
    }
  }, 180_000);

  it('reads the accounts in pages of 2,000 when the start names no page size', async () => {
    // Each page is a query the local MongoDB-wire server answers by reading every account of the collection.
    const own = await googleEnv('tokens_pages');
    try {
      await googleAccounts(510, 'pages', own.deps.accounts);
      const result = await own.withWorker(async () => {
        const handle = await startRefreshAll(own.client, own.settings, { provider: 'google', concurrency: 50 });
        workflowIds.push(handle.workflowId);
        return handle.result();
      });
      // test/histories/refresh-all-pages-of-500.json is such a run recorded before pages of 2,000 were the default:
      // it read 2 pages, and still replays (patched('refresh-all-pages-of-2000')).
      await recordHistories(own.client, 'refresh-all-default-pages', workflowIds.at(-1)!, 'tokens.test.ts: reads the accounts in pages of 2,000');
      expect(result).toMatchObject({ refreshed: 510, failedCount: 0, pages: 1 });
    } finally {
      await own.close();
    }
  }, 180_000);

  it('a 429 from the token endpoint is waited out for its Retry-After before the account is tried again', async () => {
    const [id] = await googleAccounts(1, 'limited');
    const since = await lastSeq();
    // Several seconds: longer than the refresh activity's first retry interval (1 s), so only a retry that
    // read the header waits this long.
    const retryAfterSeconds = 4;
    await sandbox.control.armFault({ provider: 'google', path: '/token', times: 1, status: 429, retryAfter: retryAfterSeconds, body: { error: 'rate_limit_exceeded' } });
    try {
      const result = await env.withWorker(async () => {
        const handle = await startRefreshToken(env.client, env.settings, id!, 'google');
        workflowIds.push(handle.workflowId);
        return handle.result();
      });
      expect(result.outcome).toBe('refreshed');
      // Only this account is refreshed meanwhile. (A faulted request is answered before its body is read, so
      // the 429 cannot be told apart by its refresh token.)
      const calls = await sandbox.control.requests({ provider: 'google', path: '/token', since });
      expect(calls.map((r) => r.status)).toEqual([429, 200]);
      expect(bodyField(calls[1]!, 'refresh_token')).toBe('1//rt-limited1');
      // From the sandbox's own log: the next call came Retry-After later at the earliest.
      const gaps = gapsAfter429(calls, () => 'the token endpoint');
      expect(gaps[0]!.gapMs).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
    } finally {
      await sandbox.control.clearFaults();
    }
  });

  it('ten concurrent single refreshes of one account share one run and make one provider call', async () => {
    const [id] = await googleAccounts(1, 'single');
    const since = await lastSeq();
    const results = await env.withWorker(async () => {
      const handles = await Promise.all(Array.from({ length: 10 }, () => startRefreshToken(env.client, env.settings, id!, 'google')));
      workflowIds.push(handles[0]!.workflowId);
      expect(new Set(handles.map((h) => h.workflowId)).size).toBe(1);
      return Promise.all(handles.map((h) => h.result()));
    });
    expect(results.every((r) => r.outcome === 'refreshed' && r.version === 2)).toBe(true);
    expect(await sandbox.control.requests({ provider: 'google', path: '/token', since })).toHaveLength(1);
  });

  it('a revoked Google account ends in needs_reauth, an error log, an e-mail and a paused sync', async () => {
    const [id] = await googleAccounts(1, 'revoked');
    await sandbox.control.call('POST', '/google/revoke', { user: 'revoked1@example.com' });
    const since = await mailMark(env.settings);
    await env.withWorker(async () => {
      // Stands in for the account's sync: any running workflow tagged with the account id gets the pause signal.
      const sync = await env.client.workflow.start(smokeWorkflow, {
        taskQueue: unique('idle-queue'),
        workflowId: unique('sync-standin'),
        args: [{ note: 'idle', upload: { bucket: 'none', key: 'none', parts: 1 } }],
        typedSearchAttributes: [{ key: SA.accountId, value: id! }],
      });
      await waitFor('visibility of the sync stand-in', async () => {
        for await (const _ of env.client.workflow.list({ query: `SwitchyardAccountId="${id}" AND ExecutionStatus="Running"` })) return true;
        return undefined;
      });
      const handle = await startRefreshToken(env.client, env.settings, id!, 'google');
      workflowIds.push(handle.workflowId);
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/invalid_grant/);
      const history = await sync.fetchHistory();
      const signal = history.events?.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause');
      expect(signal).toBeDefined();
      await sync.terminate('test done');
      await recordHistories(env.client, 'smoke-paused', sync.workflowId, 'tokens.test.ts: the sync stand-in paused by a revoked account, then terminated');
    });
    const account = await env.deps.accounts.get(id!);
    expect(account).toMatchObject({ status: 'needs_reauth', isActive: false });
    expect(account.lastError?.kind).toBe('AuthRevoked');
    const logs = await env.deps.errorLogs.list({ accountId: id! });
    expect(logs[0]).toMatchObject({ source: 'refreshToken', provider: 'google', kind: 'AuthRevoked' });
    const mails = await waitFor('alert e-mail', async () => {
      const m = await mailsAbout(env.settings, id!, since);
      return m.length ? m : undefined;
    });
    expect(mails[0]!.subject).toMatch(/needs to be reconnected/);
    expect(mails[0]!.to).toContain(env.settings.ALERT_EMAIL_TO);
    // A bulk run now skips it: it is no longer active.
    expect(await env.deps.accounts.idsToRefresh({ provider: 'google', limit: 10_000 })).not.toContain(id);
    await recordHistories(env.client, 'refresh-token-revoked', workflowIds.at(-1)!, 'tokens.test.ts: a revoked Google account');
  });

  it('a Zoho refresh token Zoho does not know (invalid_code, HTTP 200) ends in needs_reauth, an error log and an e-mail, after one call', async () => {
    await sandbox.control.seed('zoho', { clients: [ZOHO_CLIENT] });
    const id = 'z-invalid-code';
    const refresh = '1000.zoho-refresh-never-issued-0001';
    secrets.add(refresh);
    await env.deps.accounts.create({ id, provider: 'zoho', oauthClientId: 'zoho-main', email: 'gone@example.com', refreshToken: refresh, zohoDataCentre: 'eu' });
    const since = await lastSeq();
    const sinceMail = await mailMark(env.settings);
    const err = await env.withWorker(async () => {
      const handle = await startRefreshToken(env.client, env.settings, id, 'zoho');
      workflowIds.push(handle.workflowId);
      return handle.result().then(() => null, (e: unknown) => e);
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/invalid_code/);
    // Zoho says so with HTTP 200 and an error field; it is not retried.
    const calls = (await sandbox.control.requests({ provider: 'zoho', path: '/oauth/v2/token', since })).filter((r) => bodyField(r, 'refresh_token') === refresh);
    expect(calls.map((r) => [r.status, r.response])).toEqual([[200, { error: 'invalid_code' }]]);
    const account = await env.deps.accounts.get(id);
    expect(account).toMatchObject({ status: 'needs_reauth', isActive: false });
    expect(account.lastError?.kind).toBe('AuthRevoked');
    const logs = await env.deps.errorLogs.list({ accountId: id });
    expect(logs[0]).toMatchObject({ source: 'refreshToken', provider: 'zoho', kind: 'AuthRevoked' });
    const mails = await waitFor('alert e-mail', async () => {
      const m = await mailsAbout(env.settings, id, sinceMail);
      return m.length ? m : undefined;
    });
    expect(mails[0]!.subject).toMatch(/zoho account z-invalid-code needs to be reconnected/);
    expect(mails[0]!.text).toContain('invalid_code');
  });

  it("handles Zoho's throttling answer (HTTP 400 Access Denied) by waiting and retrying", async () => {
    await sandbox.control.seed('zoho', { clients: [ZOHO_CLIENT], accounts: [{ id: 'zoho1', email: 'zoho1@example.com', dc: 'eu', refreshToken: '1000.zoho-refresh-1', clientId: ZOHO_CLIENT.clientId }] });
    secrets.add('1000.zoho-refresh-1');
    await env.deps.accounts.create({ id: 'z-1', provider: 'zoho', oauthClientId: 'zoho-main', email: 'zoho1@example.com', refreshToken: '1000.zoho-refresh-1', zohoDataCentre: 'eu' });
    const since = await lastSeq();
    await sandbox.control.armFault({
      provider: 'zoho',
      path: '/oauth/v2/token',
      times: 2,
      status: 400,
      body: { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.', status: 'failure' },
    });
    const result = await env.withWorker(async () => {
      const handle = await startRefreshToken(env.client, env.settings, 'z-1', 'zoho');
      workflowIds.push(handle.workflowId);
      return handle.result();
    });
    expect(result.outcome).toBe('refreshed');
    const calls = await sandbox.control.requests({ provider: 'zoho', path: '/oauth/v2/token', since });
    expect(calls.map((c) => c.status)).toEqual([400, 400, 200]);
    const account = await env.deps.accounts.get('z-1');
    expect(account.zoho?.apiDomain).toBe(`${sandbox.baseUrl}/zoho/api`);
    await recordHistories(env.client, 'refresh-token-retried', workflowIds.at(-1)!, "tokens.test.ts: Zoho's throttling answer, waited out and retried");
  });

  it('gives up after the configured number of transient failures, not counting 429s', async () => {
    const [id] = await googleAccounts(1, 'flaky');
    const since = await lastSeq();
    // Faults fire in the order armed: 503, 503, then four 429s (more than the limit of 3 failures, and they must
    // not count), then 503: the third transient failure, given up.
    await sandbox.control.armFault({ provider: 'google', path: '/token', times: 2, status: 503, body: { error: 'backend_error' } });
    await sandbox.control.armFault({ provider: 'google', path: '/token', times: 4, status: 429, retryAfter: 1, body: { error: 'rate_limit_exceeded' } });
    await sandbox.control.armFault({ provider: 'google', path: '/token', times: 1, status: 503, body: { error: 'backend_error' } });
    try {
      const err = await env.withWorker(async () => {
        const handle = await startRefreshToken(env.client, env.settings, id!, 'google');
        workflowIds.push(handle.workflowId);
        return handle.result().then(() => null, (e: unknown) => e);
      });
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/gave up after 3 failed attempts/);
      const statuses = (await sandbox.control.requests({ provider: 'google', path: '/token', since })).map((r) => r.status);
      expect(statuses).toEqual([503, 503, 429, 429, 429, 429, 503]);
      const account = await env.deps.accounts.get(id!);
      expect(account.status).toBe('active'); // transient: the account stays active for the next run
      expect(account.lastError?.kind).toBe('Transient');
    } finally {
      await sandbox.control.clearFaults();
    }
  }, 120_000);

  describe('Kommo refresh tokens rotate on every use', () => {
    async function kommoAccount(subdomain: string): Promise<{ id: string; access: string; refresh: string }> {
      const access = `kommo-access-${subdomain}`;
      const refresh = `kommo-refresh-${subdomain}`;
      secrets.add(access);
      secrets.add(refresh);
      await sandbox.control.seed('kommo', {
        accounts: [{ subdomain, ...KOMMO_CLIENT, tokens: [{ accessToken: access, refreshToken: refresh, accessExpiresInSeconds: 3600 }] }],
      });
      const id = `k-${subdomain}`;
      await env.deps.accounts.create({ id, provider: 'kommo', oauthClientId: 'kommo-main', kommoSubdomain: subdomain, refreshToken: refresh, accessToken: access, expiresAt: new Date(Date.now() + 3600_000) });
      return { id, access, refresh };
    }

    const contactsWith = async (subdomain: string, token: string): Promise<number> =>
      (await fetch(`${sandbox.baseUrl}/kommo/${subdomain}/api/v4/contacts`, { headers: { authorization: `Bearer ${token}` } })).status;

    it('stores each rotated pair, so the next refresh works with the new refresh token', async () => {
      const { id, refresh } = await kommoAccount('rotate');
      await env.withWorker(async () => {
        for (let i = 0; i < 2; i++) {
          const workflowId = unique(`kommo-rotate-${i}`);
          workflowIds.push(workflowId);
          const r = await env.client.workflow.execute(refreshToken, { taskQueue: env.taskQueue, workflowId, args: [{ accountId: id, minAgeSeconds: 0 }] });
          expect(r).toMatchObject({ outcome: 'refreshed', version: i + 2 });
        }
      });
      const account = await env.deps.accounts.get(id);
      const creds = await env.deps.accounts.credentials(account);
      secrets.add(creds.refreshToken);
      secrets.add(creds.accessToken!);
      expect(creds.refreshToken).not.toBe(refresh);
      expect(account.status).toBe('active');
      expect(await contactsWith('rotate', creds.accessToken!)).not.toBe(401);
    });

    it('a connection lost before Kommo answered keeps a usable token: the retry refreshes with the same refresh token', async () => {
      const { id } = await kommoAccount('reset');
      await sandbox.control.armFault({ provider: 'kommo', path: '/oauth2/access_token', reset: true, times: 1 });
      const r = await env.withWorker(async () => {
        const handle = await startRefreshToken(env.client, env.settings, id, 'kommo');
        workflowIds.push(handle.workflowId);
        return handle.result();
      });
      expect(r.outcome).toBe('refreshed');
      const account = await env.deps.accounts.get(id);
      expect(account).toMatchObject({ status: 'active', rotationPending: null });
      const creds = await env.deps.accounts.credentials(account);
      secrets.add(creds.refreshToken);
      secrets.add(creds.accessToken!);
      expect(await contactsWith('reset', creds.accessToken!)).not.toBe(401);
    });

    it('an answer lost after Kommo rotated ends in a clear needs_reauth, with the old access token still usable', async () => {
      const { id, access } = await kommoAccount('lost');
      // Kommo rotates, then the connection drops before its answer arrives: the new pair exists only at Kommo.
      await sandbox.control.configure('kommo', { loseTokenResponses: 1 });
      const since = await mailMark(env.settings);
      const err = await env.withWorker(async () => {
        const handle = await startRefreshToken(env.client, env.settings, id, 'kommo');
        workflowIds.push(handle.workflowId);
        return handle.result().catch((e: unknown) => e);
      });
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const account = await env.deps.accounts.get(id);
      expect(account.status).toBe('needs_reauth');
      expect(account.lastError?.kind).toBe('RotationLost');
      expect(account.lastError?.message).toMatch(/rotated token was never stored.*stays usable until/);
      // Never a silent loss: the stored access token still works until it expires, and the operator was told.
      expect((await env.deps.accounts.credentials(account)).accessToken).toBe(access);
      expect(await contactsWith('lost', access)).not.toBe(401);
      expect((await env.deps.errorLogs.list({ accountId: id }))[0]?.kind).toBe('RotationLost');
      expect(await mailsAbout(env.settings, id, since)).not.toHaveLength(0);
    });

    it('a worker killed in the middle of a refresh leaves a usable token or a clear needs_reauth, never a silent loss', async () => {
      const { id, access } = await kommoAccount('killed');
      // Kommo takes 3 s to answer; the worker process is killed while it waits.
      await sandbox.control.armFault({ provider: 'kommo', path: '/oauth2/access_token', delayMs: 3000, times: 1 });
      const workerEnv = {
        ...process.env,
        TEMPORAL_TASK_QUEUE: env.taskQueue,
        MONGODB_URI: env.mongoUri(),
        PROVIDERS_SANDBOX_URL: sandbox.baseUrl,
        CREATE_SCHEDULES: 'false',
        LOG_LEVEL: 'info',
      };
      const startWorker = (): ChildProcess => {
        const child = spawnWorker(workerEnv, ['ignore', 'pipe', 'pipe']);
        child.stdout!.on('data', (d: Buffer) => childLogs.push(d.toString()));
        child.stderr!.on('data', (d: Buffer) => childLogs.push(d.toString()));
        return child;
      };
      const first = startWorker();
      let handle;
      try {
        handle = await startRefreshToken(env.client, env.settings, id, 'kommo');
        workflowIds.push(handle.workflowId);
        // The armed fault disappears when the refresh request reaches Kommo; then the worker dies.
        await waitFor('the refresh to reach Kommo', async () => ((await sandbox.control.call<unknown[]>('GET', '/faults')).length === 0 ? true : undefined), 60_000);
      } finally {
        await stopWorker(first, 'SIGKILL');
      }
      const second = startWorker();
      try {
        await handle.result().catch((e: unknown) => e);
      } finally {
        await stopWorker(second);
      }
      const account = await env.deps.accounts.get(id);
      const creds = await env.deps.accounts.credentials(account);
      secrets.add(creds.refreshToken);
      if (creds.accessToken) secrets.add(creds.accessToken);
      // Two outcomes are right, because only Kommo knows whether it rotated before the connection died: a real
      // server may finish a request whose client is gone, or not (the fake, like one, may go either way with the
      // timing). Not rotated: the retry refreshes with the same refresh token and the account stays active.
      // Rotated: the new pair died with the worker, and no design can recover it, so the account must say
      // needs_reauth (RotationLost) while the access token it holds keeps working.
      // Common to both, never a silent loss: no refresh is left half-done, the stored access token works at
      // Kommo, and the account says active exactly when the refresh token it holds is the live one at Kommo.
      expect(account.rotationPending).toBeNull();
      expect(creds.accessToken).toBeTruthy();
      expect(await contactsWith('killed', creds.accessToken!)).not.toBe(401);
      const atKommo = await sandbox.control.state<{ accounts: { tokens: { token: string; kind: string; active: boolean }[] }[] }>('kommo', { subdomain: 'killed', contacts: '0' });
      const liveRefresh = atKommo.accounts[0]!.tokens.filter((t) => t.kind === 'refresh' && t.active).map((t) => t.token);
      expect(account.status === 'active', `status ${account.status}, live refresh tokens ${liveRefresh.length}`).toBe(liveRefresh.includes(creds.refreshToken));
      if (account.status === 'active') {
        expect(account.token.version).toBeGreaterThan(1);
      } else {
        expect(account).toMatchObject({ status: 'needs_reauth', lastError: { kind: 'RotationLost' } });
        expect(creds.accessToken).toBe(access);
      }
    }, 150_000);
  });
});
