/**
 * `npm run bench -- scale-out [--accounts 5000] [--limit 10] [--records 20000] [--workers 3]`
 *
 * Three worker processes (`npm run worker`'s entry point, each with its metrics port) on one Temporal server share a
 * bulk refresh of N Google accounts and two extractions of R records each, against a sandbox (its own process)
 * whose token endpoint allows L requests a second (429 past that, in fixed one-second windows). GOOGLE_TOKEN_RPS is L:
 * the google queue's server-side rate (Temporal's token bucket) paces the dispatch, and the token endpoint's
 * per-second grants in MongoDB (activities/rate-gate.ts) hold the calls to L in every second across the three. Once a
 * third of the accounts is refreshed, one worker is killed (SIGKILL): its in-flight activities time out and are
 * retried by the two others. From the sandbox's own request log:
 *
 *   rate_ratio            accepted token calls a second, from the first call to the one that completed 99% of the
 *                         accounts, divided by L (the last 1% is the tail of the killed worker's timed-out calls)
 *   max_second_over_limit token calls (accepted or not) in the busiest calendar second, minus L; 0 when never over
 *   lost                  accounts the sandbox never refreshed or the run reported failed, plus records missing
 *                         from either extraction's published file
 * and per worker the refreshes it did (its /metrics), so all three took part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../config';
import { temporalConnection } from '../config/temporal';
import { prepareConfig } from '../extraction';
import { SandboxControl } from '../sandbox/client';
import { ensureStack } from '../stack';
import { stopProcess, tsEntry } from '../stack/proc';
import { openStores } from '../store';
import { newId } from '../store/configs';
import { connectMongo } from '../store/mongo';
import { startRefreshAll } from '../clients/tokens';
import { tuningFrom } from '../clients/schedules';
import { extractConfig, type ExtractConfigResult } from '../workflows/extraction';
import { sdkMetricsAddress } from '../workers/metrics';
import { arg, startSandboxProcess } from './common';
import { bodyField } from '../test/helpers/requests';

const ACCOUNTS = arg('accounts', 5000);
const LIMIT = arg('limit', 10);
const RECORDS = arg('records', 20_000);
const WORKERS = arg('workers', 3);
const repo = path.join(__dirname, '..');
const CLIENT = { clientId: 'bench-scale.apps.googleusercontent.com', clientSecret: 'GOCSPX-bench-scale' };

/** A free loopback port (the same way the worker finds one for the SDK's exporter). */
const freePort = async (): Promise<number> => Number((await sdkMetricsAddress()).split(':')[1]);

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`worker on ${port} never became ready`);
}

async function refreshedBy(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('switchyard_tokens_refreshed_total{provider="google"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function main(): Promise<void> {
  const base = loadSettings();
  const stack = await ensureStack(base, ['temporal', 'mongodb', 's3'], (l) => process.stdout.write(`[stack] ${l}\n`));
  const sandboxPort = await freePort();
  const sandbox = await startSandboxProcess(sandboxPort);
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const control = new SandboxControl(sandboxUrl);
  const run = randomUUID().slice(0, 8);
  const settings = { ...base, TEMPORAL_TASK_QUEUE: `bench-scale-${run}`, PROVIDERS_SANDBOX_URL: sandboxUrl };
  const mongo = await connectMongo(settings, `bench_scale_${run}`);
  const stores = await openStores(mongo.db, settings);
  const mongoUri = new URL(settings.MONGODB_URI);
  mongoUri.pathname = `/${mongo.db.databaseName}`;
  const clientConn = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConn, namespace: settings.TEMPORAL_NAMESPACE });
  const workers: { child: ChildProcess; port: number; alive: boolean }[] = [];
  try {
    await control.seed('google', { clients: [{ ...CLIENT, redirectUris: [] }] });
    await control.seed('google', { generate: { count: ACCOUNTS, prefix: 's', clientId: CLIENT.clientId } });
    await stores.oauthClients.upsert({ id: 'bench', provider: 'google', ...CLIENT });
    for (let i = 0; i < ACCOUNTS; i += 1000) {
      await stores.accounts.createMany(
        Array.from({ length: Math.min(1000, ACCOUNTS - i) }, (_, j) => ({ id: `g-${String(i + j + 1).padStart(6, '0')}`, provider: 'google' as const, oauthClientId: 'bench', email: `s${i + j + 1}@example.com`, refreshToken: `1//rt-s${i + j + 1}` })),
      );
    }
    await control.configure('demo', { count: RECORDS });
    const configIds = [0, 1].map((i) => `scale-${run}-${i}`);
    for (const configId of configIds) {
      const prepared = prepareConfig(
        {
          name: configId,
          extractions: [
            {
              name: 'records',
              endpoint: { url: `${sandboxUrl}/demo/api/more-records/records`, query_params: { per_page: 100 } },
              data_key: 'data',
              format: 'csv',
              s3_destiny: { folder: 'bench-scale/' },
              pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records' } },
              data_schema: { id: 'id', name: 'name', email: 'email', amount: 'amount' },
            },
          ],
        },
        configId,
        null,
        newId,
      );
      await stores.configs.insert({ id: configId, ...prepared }, 'bench');
    }

    // The workers, at the provider's quota; a dead worker's page batch resumes elsewhere after 5 s without a heartbeat.
    for (let i = 0; i < WORKERS; i++) {
      const port = await freePort();
      const [node, args] = tsEntry(repo, 'workers/main.ts');
      const child = spawn(node, args, {
        cwd: repo,
        env: {
          ...process.env,
          TEMPORAL_TASK_QUEUE: settings.TEMPORAL_TASK_QUEUE,
          MONGODB_URI: mongoUri.toString(),
          PROVIDERS_SANDBOX_URL: sandboxUrl,
          GOOGLE_TOKEN_RPS: String(LIMIT),
          CREATE_SCHEDULES: 'false',
          EXTRACT_ALLOW_LOOPBACK: 'true',
          EXTRACT_HEARTBEAT_SECONDS: '5',
          WORKER_METRICS_PORT: String(port),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      workers.push({ child, port, alive: true });
    }
    await Promise.all(workers.map((w) => waitReady(w.port)));
    process.stdout.write(`${WORKERS} workers ready\n`);
    await control.configure('google', { tokenRateLimitPerSecond: LIMIT, tokenRateLimitRetryAfterSeconds: 1 });

    const t0 = Date.now();
    const refresh = await startRefreshAll(client, settings, { provider: 'google', concurrency: Math.min(200, LIMIT * 4), pageSize: 500 });
    const extractions = configIds.map((configId) =>
      client.workflow.start(extractConfig, {
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        workflowId: `bench-scale-extract-${configId}`,
        args: [{ configId, tuning: tuningFrom({ ...settings, EXTRACT_HEARTBEAT_SECONDS: 5 }), taskQueue: settings.TEMPORAL_TASK_QUEUE }],
      }),
    );
    // Kill one worker once a third of the accounts is refreshed.
    let killed = false;
    const watch = setInterval(() => {
      void refresh.query<{ refreshed: number }>('progress').then(
        async (p) => {
          process.stdout.write(`  ${JSON.stringify(p).slice(0, 160)}\n`);
          if (!killed && p.refreshed >= ACCOUNTS / 3) {
            killed = true;
            const victim = workers[1]!;
            process.stdout.write(`  killing worker 2 (SIGKILL) at ${p.refreshed} refreshed\n`);
            victim.alive = false;
            await stopProcess(victim.child, 1000, 'SIGKILL');
          }
        },
        () => undefined,
      );
    }, 5000);
    const result = await refresh.result();
    const extracted = (await Promise.all((await Promise.all(extractions)).map((h) => h.result()))) as ExtractConfigResult[];
    clearInterval(watch);
    const seconds = (Date.now() - t0) / 1000;

    const perWorker = await Promise.all(workers.map((w) => (w.alive ? refreshedBy(w.port) : Promise.resolve(Number.NaN))));
    const calls = await control.requests({ provider: 'google', path: '/token' });
    const ok = calls.filter((c) => c.status === 200).map((c) => Date.parse(c.at)).sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const c of calls) {
      const second = Math.floor(Date.parse(c.at) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const busiest = Math.max(0, ...perSecond.values());
    const p99 = ok[Math.min(ok.length - 1, Math.ceil(ACCOUNTS * 0.99) - 1)]!;
    const rate = (ok.filter((t) => t <= p99).length - 1) / ((p99 - ok[0]!) / 1000);
    const refreshedTokens = new Set(calls.filter((c) => c.status === 200).map((c) => bodyField(c, 'refresh_token')));
    const lostAccounts = ACCOUNTS - refreshedTokens.size + result.failedCount;
    const lostRecords = extracted.reduce((n, r) => n + RECORDS - (r.runs[0]?.success ? r.runs[0].records : 0), 0);
    process.stdout.write(
      `refresh: ${JSON.stringify({ refreshed: result.refreshed, skipped: result.skipped, failedCount: result.failedCount, runs: result.runs })} in ${seconds.toFixed(0)} s; ` +
        `token calls ${calls.length} (429: ${calls.filter((c) => c.status === 429).length}), busiest second ${busiest}; refreshes per worker (metrics; NaN: killed) ${perWorker.join(', ')}\n` +
        `extractions: ${extracted.map((r) => `${r.runs[0]?.records ?? 0} records ${r.runs[0]?.success ? 'ok' : 'FAILED'}`).join(', ')}\n`,
    );
    process.stdout.write(`bench scale-out: workers=${WORKERS} rate_ratio=${(rate / LIMIT).toFixed(3)} max_second_over_limit=${Math.max(0, busiest - LIMIT)} lost=${lostAccounts + lostRecords}\n`);
  } finally {
    await Promise.all(workers.filter((w) => w.alive).map((w) => stopProcess(w.child, 30_000)));
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await clientConn.close();
    await stopProcess(sandbox, 5000);
    // The servers this bench started (none it found running).
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench scale-out failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
