/**
 * `npm run bench -- extract [--records 1000000]`
 *
 * Extracts N records (pages of 100) from the sandbox's demo API into a CSV on S3 through the real workflow
 * (a worker in this process, Temporal, MongoDB and S3 from the local stack), and, in the same run, a baseline:
 * a plain script (bench/extract-baseline.ts, its own process) that fetches the same pages and writes the same
 * CSV to a local file. The sandbox runs in its own process, so this process's RSS is the worker's.
 *
 *   records_per_s   ours, from the workflow's start to its end (file published, run log written)
 *   baseline_per_s  the plain script's
 *   rss_100k_mb     peak RSS of the worker process up to 100k records; rss_1m_mb over the whole run
 *   retry_refetch_pages  our run meets a 429 (Retry-After: 0) every 1,000 pages; this counts the pages whose data
 *                   the API served more than once (answered 200 twice or more), from the sandbox's request log.
 *                   Goal 0: a 429 is retried inside the page-fetching activity, never by re-fetching pages.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { tuningFrom } from '../clients/schedules';
import { prepareConfig } from '../extraction';
import { newId } from '../store/configs';
import { loadSettings } from '../config';
import { SandboxControl } from '../sandbox/client';
import { ensureStack } from '../stack';
import { tsEntry } from '../stack/proc';
import { buildActivityDeps } from '../workers/deps';
import { createWorkers, runWorkers } from '../workers/worker';
import { extractConfig, extractConfigProgressQuery, extractRunProgressQuery, type ExtractConfigResult } from '../workflows/extraction';
import { temporalConnection } from '../config/temporal';
import { startSandboxProcess } from './common';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const RECORDS = arg('records', 1_000_000);
const repo = path.join(__dirname, '..');
const MB = 1024 * 1024;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function main(): Promise<void> {
  const base = loadSettings();
  const stack = await ensureStack(base, ['temporal', 'mongodb', 's3'], (l) => process.stdout.write(`[stack] ${l}\n`));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const port = await freePort();
  const sandbox = await startSandboxProcess(port);
  const sandboxUrl = `http://127.0.0.1:${port}`;
  const control = new SandboxControl(sandboxUrl);
  await control.configure('demo', { count: RECORDS });
  const listUrl = `${sandboxUrl}/demo/api/more-records/records`;

  const run = randomUUID().slice(0, 8);
  // The bench's sandbox is on loopback, which extraction requests may reach only when allowed.
  const settings = { ...base, LOG_LEVEL: 'warn' as const, CREATE_SCHEDULES: false, EXTRACT_ALLOW_LOOPBACK: true, TEMPORAL_TASK_QUEUE: `bench-extract-${run}` };
  const { deps, db, close } = await buildActivityDeps(settings, { dbName: `bench_extract_${run}` });
  const clientConn = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConn, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect(temporalConnection(settings));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-extract-'));

  try {
    // 1. Baseline: a plain script, its own process. It runs before and after ours and the mean counts, so a
    //    machine busy with something else for part of the run skews both sides alike.
    const baselineRun = (): number => {
      const [node, args] = tsEntry(repo, 'bench/extract-baseline.ts');
      const b = spawnSync(node, [...args, listUrl, path.join(tmp, 'baseline.csv')], { cwd: repo, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`baseline failed: ${b.stderr}`);
      process.stdout.write(b.stdout);
      const m = /records=(\d+) seconds=([\d.]+)/.exec(b.stdout);
      if (!m || Number(m[1]) !== RECORDS) throw new Error(`baseline read ${m?.[1]} records`);
      return Number(m[2]);
    };
    process.stdout.write(`baseline: ${RECORDS} records from ${listUrl}\n`);
    const baselineSeconds = [baselineRun()];

    // 2. Ours: the config through the store, the workflow on a worker in this process.
    const configId = `bench-${run}`;
    const prepared = prepareConfig(
      {
        name: 'bench',
        extractions: [
          {
            name: 'records',
            endpoint: { url: listUrl, query_params: { per_page: 100 } },
            data_key: 'data',
            format: 'csv',
            s3_destiny: { folder: 'bench/' },
            pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records' } },
            data_schema: { id: 'id', name: 'name', email: 'email', status: 'status', amount: 'amount', currency: 'currency', owner: { name: 'owner_name' }, address: { city: 'city', country: 'country' }, updated_at: 'updated_at' },
          },
        ],
      },
      configId,
      null,
      newId,
    );
    await deps.configs.insert({ id: configId, ...prepared }, 'bench');

    global.gc?.();
    let peak100k = 0;
    let peakAll = 0;
    let records = 0;
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      peakAll = Math.max(peakAll, rss);
      if (records <= 100_000) peak100k = Math.max(peak100k, rss);
    }, 50);
    // A 429 every 1,000 pages (pages 1000, 2000, ...), each once; the request log starts empty for our run.
    const pages = Math.ceil(RECORDS / 100);
    await control.call('DELETE', '/requests');
    if (pages >= 1000) await control.armFault({ provider: 'demo', path: '/[?&]page=\\d*000(&|$)/', times: Math.floor(pages / 1000), status: 429, retryAfter: 0 });
    const workers = await createWorkers(settings, connection, deps);
    const t0 = Date.now();
    const result = (await runWorkers(workers, async () => {
      const handle = await client.workflow.start(extractConfig, {
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        workflowId: `bench-extract-${run}`,
        // The production defaults (EXTRACT_BATCH_SECONDS, EXTRACT_HEARTBEAT_SECONDS).
        args: [{ configId, tuning: tuningFrom(settings), taskQueue: settings.TEMPORAL_TASK_QUEUE }],
      });
      let done = false;
      const poll = (async () => {
        let lastPrint = 0;
        while (!done) {
          await new Promise((r) => setTimeout(r, 250));
          const p = await handle.query(extractConfigProgressQuery).catch(() => null);
          if (!p?.current) continue;
          const q = await client.workflow.getHandle(p.current.workflowId).query(extractRunProgressQuery).catch(() => null);
          if (q) records = q.records;
          if (Date.now() - lastPrint > 5000) {
            lastPrint = Date.now();
            process.stdout.write(`  ${records} records, rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB\n`);
          }
        }
      })();
      const r = await handle.result();
      done = true;
      await poll;
      return r;
    })) as ExtractConfigResult;
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    await control.clearFaults();
    const served = new Map<string, number>();
    let rateLimited = 0;
    for (const r of await control.requests({ provider: 'demo', path: '/more-records/records' })) {
      if (r.status === 429) rateLimited++;
      if (r.status !== 200) continue;
      const page = new URL(r.url, sandboxUrl).searchParams.get('page') ?? '';
      served.set(page, (served.get(page) ?? 0) + 1);
    }
    const refetched = [...served.values()].filter((n) => n > 1).length;
    process.stdout.write(`429s met: ${rateLimited}; pages served more than once: ${refetched}\n`);
    const runResult = result.runs[0]!;
    if (!runResult.success || runResult.records !== RECORDS) throw new Error(`the run did not extract every record: ${JSON.stringify(runResult)}`);
    baselineSeconds.push(baselineRun());
    const baselinePerS = RECORDS / (baselineSeconds.reduce((a, b) => a + b, 0) / baselineSeconds.length);
    const oursPerS = RECORDS / seconds;
    process.stdout.write(`ours: ${RECORDS} records in ${seconds.toFixed(1)} s, ${(runResult.bytes / MB).toFixed(1)} MiB -> ${runResult.destination}\n`);
    process.stdout.write(
      `bench extract: records_per_s=${oursPerS.toFixed(0)} baseline_per_s=${baselinePerS.toFixed(0)} vs_baseline=${(oursPerS / baselinePerS).toFixed(3)} ` +
        `rss_100k_mb=${(peak100k / MB).toFixed(1)} rss_1m_mb=${(peakAll / MB).toFixed(1)} rss_growth=${(peakAll / peak100k).toFixed(3)} retry_refetch_pages=${refetched}\n`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await db.dropDatabase().catch(() => undefined);
    await close();
    await clientConn.close();
    await connection.close();
    sandbox.kill('SIGTERM');
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench extract failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
