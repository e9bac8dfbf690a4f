/**
 * `npm run bench -- token-refresh [--accounts 5000] [--limit 5] [--calibration 100] [--rounds 5]`
 *
 * Bulk-refreshes N Google accounts against the sandbox, whose token endpoint allows L requests/s (429 past
 * that), with the google queue's server-side rate limit set to L. Measures:
 *  - rate_ratio: achieved refreshes/s divided by L (the pacing is right when it is close to 1 without 429s
 *    turning into failures);
 *  - overhead_ms: what Temporal adds per account, from a calibration: the same refresh activity run
 *    sequentially through a bulk-refresh workflow, minus the same activity body called directly (no Temporal),
 *    per account. The two kinds of pass alternate (direct first in even rounds, the workflow first in odd ones)
 *    and are of equal size, so warm-up and a machine's changing load fall on both alike. A workflow pass is one
 *    bulk-refresh run, its start and finish included (spread over --calibration / (2 * --rounds) accounts). The
 *    figure is the raw difference, negative when noise outweighs the overhead;
 *  - failures: accounts the run reported as failed.
 * Brings up the stack like the tests do; uses its own database and task queue.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config';
import { startBenchBed } from './harness';
import { buildActivityDeps } from '../workers/deps';
import { TOKEN_QUEUE_SLOTS, createWorkers, runWorkers } from '../workers/worker';
import { createTokenActivities, type RefreshAccountInput, type RefreshAccountResult } from '../activities/tokens';
import { startRefreshAll } from '../clients/tokens';
import { temporalConnection } from '../config/temporal';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ACCOUNTS = arg('accounts', 5000);
const LIMIT = arg('limit', 5);
const CALIBRATION = arg('calibration', 100);
const ROUNDS = Math.max(1, arg('rounds', 5));
const CLIENT = { clientId: 'bench-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-bench-secret' };
const ZOHO = { clientId: '1000.BENCH', clientSecret: 'bench-zoho-secret' };

async function main(): Promise<void> {
  const base = loadSettings();
  const bed = await startBenchBed(base);
  const { sandboxUrl, control } = bed;

  const run = randomUUID().slice(0, 8);
  const settings = {
    ...base,
    LOG_LEVEL: 'warn' as const,
    CREATE_SCHEDULES: false,
    TEMPORAL_TASK_QUEUE: `bench-tokens-${run}`,
    PROVIDERS_SANDBOX_URL: sandboxUrl,
    // The queue runs at 95% of the provider's quota: Temporal's limiter and the provider's window do not share a
    // clock, and a little headroom costs less than the slots that 429s and their retries would waste.
    GOOGLE_TOKEN_RPS: LIMIT * 0.95,
  };
  const { deps, db, close } = await buildActivityDeps(settings, { dbName: `bench_tokens_${run}` });
  const seqSettings = { ...settings, TEMPORAL_TASK_QUEUE: `bench-tokens-seq-${run}`, ZOHO_TOKEN_RPS: 1000 };
  const { deps: deps2, db: db2, close: close2 } = await buildActivityDeps(seqSettings, { dbName: `bench_tokens_seq_${run}` });
  const { deps: deps3, db: db3, close: close3 } = await buildActivityDeps(seqSettings, { dbName: `bench_tokens_direct_${run}` });
  const clientConn = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConn, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect(temporalConnection(settings));

  try {
    await control.seed('google', { clients: [{ ...CLIENT, redirectUris: [] }] });
    await control.seed('google', { generate: { count: ACCOUNTS, prefix: 'u', clientId: CLIENT.clientId } });
    await deps.oauthClients.upsert({ id: 'bench', provider: 'google', ...CLIENT });
    const bulkIds = Array.from({ length: ACCOUNTS }, (_, i) => `g-${String(i + 1).padStart(6, '0')}`);
    for (let i = 0; i < bulkIds.length; i += 1000) {
      await deps.accounts.createMany(
        bulkIds.slice(i, i + 1000).map((id, j) => ({ id, provider: 'google' as const, oauthClientId: 'bench', email: `u${i + j + 1}@example.com`, refreshToken: `1//rt-u${i + j + 1}` })),
      );
    }
    // Calibration accounts are Zoho's, so the Google bulk run and the calibration never touch each other's.
    // Each kind of calibration pass has a small database of its own, growing alike (a pass's accounts are
    // added just before it), and the Temporal passes their own workers.
    const perPass = Math.max(1, Math.floor(CALIBRATION / (2 * ROUNDS)));
    const zohoIds = Array.from({ length: 2 * ROUNDS * perPass }, (_, i) => `z-${String(i + 1).padStart(4, '0')}`);
    await control.seed('zoho', { clients: [ZOHO], accounts: zohoIds.map((id) => ({ id, refreshToken: `1000.rt-${id}`, clientId: ZOHO.clientId })) });
    const zohoAccount = (id: string) => ({ id, provider: 'zoho' as const, oauthClientId: 'bench-zoho', email: `${id}@example.com`, refreshToken: `1000.rt-${id}` });
    await deps3.oauthClients.upsert({ id: 'bench-zoho', provider: 'zoho', ...ZOHO });
    await deps2.oauthClients.upsert({ id: 'bench-zoho', provider: 'zoho', ...ZOHO });

    // 1. The bulk run under the limit.
    await control.configure('google', { tokenRateLimitPerSecond: LIMIT, tokenRateLimitRetryAfterSeconds: 1 });
    const workers = await createWorkers(settings, connection, deps, { overrides: { shutdownGraceTime: '5s' } });
    const bulk = await runWorkers(workers, async () => {
      const t0 = Date.now();
      // As many lanes as the one worker has slots: more would only wait in the server's task backlog. Pages of the
      // default size.
      const handle = await startRefreshAll(client, settings, { provider: 'google', concurrency: TOKEN_QUEUE_SLOTS });
      const timer = setInterval(() => {
        void handle.query('progress').then((p) => process.stdout.write(`  ${JSON.stringify(p).slice(0, 160)}\n`), () => undefined);
      }, 15_000);
      try {
        const result = await handle.result();
        return { result, ms: Date.now() - t0 };
      } finally {
        clearInterval(timer);
      }
    });
    const tokenCalls = (await control.requests({ provider: 'google', path: '/token' })).length;
    const rejected = (await control.requests({ provider: 'google', path: '/token' })).filter((r) => r.status === 429).length;
    const achieved = bulk!.result.refreshed / (bulk!.ms / 1000);

    // 2. Calibration: the same refresh activity, one account at a time, with and without Temporal, in
    // alternating passes of equal size. The workers are up during both kinds, so both pay for their polling.
    const direct = createTokenActivities(deps3);
    const env = new MockActivityEnvironment();
    const totals = { directMs: 0, direct: 0, workflowMs: 0, workflow: 0 };
    const directPass = async (ids: string[]): Promise<void> => {
      await deps3.accounts.createMany(ids.map(zohoAccount));
      const t0 = performance.now();
      for (const accountId of ids) {
        const r = await env.run<[RefreshAccountInput], RefreshAccountResult, typeof direct.refreshAccount>(direct.refreshAccount, { accountId });
        if (r.outcome === 'refreshed') totals.direct++;
      }
      totals.directMs += performance.now() - t0;
    };
    const workflowPass = async (ids: string[]): Promise<void> => {
      await deps2.accounts.createMany(ids.map(zohoAccount));
      const t0 = performance.now();
      // Only this pass's accounts have no expiry yet: the earlier passes' tokens expire in an hour.
      const r = await (await startRefreshAll(client, seqSettings, { provider: 'zoho', concurrency: 1, pageSize: 1000, expiringWithinMinutes: 5 })).result();
      totals.workflowMs += performance.now() - t0;
      totals.workflow += r.refreshed;
    };
    const seqWorkers = await createWorkers(seqSettings, connection, deps2, { overrides: { shutdownGraceTime: '5s' } });
    await runWorkers(seqWorkers, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const ids = zohoIds.slice(2 * round * perPass, 2 * (round + 1) * perPass);
        const [a, b] = [ids.slice(0, perPass), ids.slice(perPass)];
        if (round % 2 === 0) {
          await directPass(a);
          await workflowPass(b);
        } else {
          await workflowPass(b);
          await directPass(a);
        }
      }
    });
    if (totals.direct !== ROUNDS * perPass || totals.workflow !== ROUNDS * perPass) {
      throw new Error(`calibration refreshed ${totals.direct} accounts directly and ${totals.workflow} through Temporal, not ${ROUNDS * perPass} each`);
    }
    const directMs = totals.directMs / totals.direct;
    const viaTemporalMs = totals.workflowMs / totals.workflow;
    const overhead = viaTemporalMs - directMs;

    process.stdout.write(
      `accounts=${ACCOUNTS} limit=${LIMIT}/s wall=${(bulk!.ms / 1000).toFixed(1)}s achieved=${achieved.toFixed(2)}/s token_calls=${tokenCalls} rejected_429=${rejected}\n` +
        `calibration: direct ${directMs.toFixed(1)} ms/account, through Temporal ${viaTemporalMs.toFixed(1)} ms/account (${ROUNDS} rounds of ${perPass} accounts each way, alternating)\n`,
    );
    process.stdout.write(
      `bench token-refresh: rate_ratio=${(achieved / LIMIT).toFixed(3)} accounts=${ACCOUNTS} limit=${LIMIT} overhead_ms=${overhead.toFixed(1)} failures=${bulk!.result.failedCount}\n`,
    );
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await db2.dropDatabase().catch(() => undefined);
    await db3.dropDatabase().catch(() => undefined);
    await close();
    await close2();
    await close3();
    await clientConn.close();
    await connection.close();
    await bed.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench token-refresh failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
