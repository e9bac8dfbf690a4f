/**
 * `npm run bench -- worker-footprint [--records 1000000]`
 *
 * A worker process's start time and resident memory, both ways it runs: from the TypeScript sources through tsx
 * (the development path: workflow code bundled at start) and from `npm run build`'s output (compiled JavaScript
 * and the prebuilt workflow bundle, as the Docker image runs it). Each worker is its own process on its own task
 * queue and database, started the way `npm run worker` and the image start it:
 *
 *   start_s          from spawning the process to its /ready answering 200 (every worker polls, Temporal answers)
 *   rss_idle_mb      its resident memory 3 s after that
 *   rss_extract_mb   its peak resident memory during an extraction of R records (pages of 100 from the sandbox's
 *                    demo API, CSV to S3), sampled every 100 ms from /proc
 *
 * Builds first (`npm run build`), then measures tsx and compiled alternately, --rounds times each (start time
 * and idle memory are the medians; extraction memory the largest peak). Linux only (/proc).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { tuningFrom } from '../clients/schedules';
import { loadSettings } from '../config';
import { temporalConnection } from '../config/temporal';
import { prepareConfig } from '../extraction';
import { SandboxControl } from '../sandbox/client';
import { ensureStack } from '../stack';
import { stopProcess, tsEntry } from '../stack/proc';
import { openStores } from '../store';
import { newId } from '../store/configs';
import { connectMongo } from '../store/mongo';
import { sdkMetricsAddress } from '../workers/metrics';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../workers/process-flags';
import { extractConfig } from '../workflows/extraction';
import { arg, startSandboxProcess } from './common';

const RECORDS = arg('records', 1_000_000);
const ROUNDS = Math.max(1, arg('rounds', 2));
/** `--only compiled` (or tsx) measures one way only. */
const ONLY = ((): Mode | null => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return null;
  const v = process.argv[i + 1];
  if (v === 'tsx' || v === 'compiled') return v;
  process.stderr.write(`bench worker-footprint: --only takes tsx or compiled, not ${v ?? 'nothing'}\n`);
  process.exit(2);
})();
const repo = path.join(__dirname, '..');
const MB = 1024 * 1024;
type Mode = 'tsx' | 'compiled';

const freePort = async (): Promise<number> => Number((await sdkMetricsAddress()).split(':')[1]);

/** Resident memory of a process, from /proc (bytes). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const base = loadSettings();
  process.stdout.write('building (npm run build)\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: repo, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  const compiledMain = path.join(repo, 'dist', 'workers', 'main.js');
  if (!fs.existsSync(path.join(repo, 'dist', 'workflows', 'bundle.js'))) throw new Error('the build made no workflow bundle');

  const stack = await ensureStack(base, ['temporal', 'mongodb', 's3'], (l) => process.stdout.write(`[stack] ${l}\n`));
  const sandboxPort = await freePort();
  const sandbox = await startSandboxProcess(sandboxPort);
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  await new SandboxControl(sandboxUrl).configure('demo', { count: RECORDS });
  const run = randomUUID().slice(0, 8);
  const mongo = await connectMongo(base, `bench_footprint_${run}`);
  const stores = await openStores(mongo.db, base);
  const mongoUri = new URL(base.MONGODB_URI);
  mongoUri.pathname = `/${mongo.db.databaseName}`;
  const conn = await Connection.connect(temporalConnection(base));
  const client = new Client({ connection: conn, namespace: base.TEMPORAL_NAMESPACE });
  const figures: Record<Mode, { start: number[]; idle: number[]; extract: number[] }> = { tsx: { start: [], idle: [], extract: [] }, compiled: { start: [], idle: [], extract: [] } };
  let child: ChildProcess | null = null;

  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = (round % 2 === 0 ? ['tsx', 'compiled'] : ['compiled', 'tsx']) as Mode[];
      for (const mode of order.filter((m) => !ONLY || m === ONLY)) {
        const queue = `bench-footprint-${mode}-${run}-${round}`;
        const port = await freePort();
        const [node, args] = mode === 'tsx' ? tsEntry(repo, 'workers/main.ts') : [process.execPath, [...WORKER_NODE_ARGS, compiledMain]];
        const t0 = performance.now();
        child = spawn(node, args, {
          cwd: repo,
          env: { ...process.env, ...(mode === 'compiled' ? WORKER_ENV : {}), TEMPORAL_TASK_QUEUE: queue, MONGODB_URI: mongoUri.toString(), CREATE_SCHEDULES: 'false', EXTRACT_ALLOW_LOOPBACK: 'true', WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const pid = child.pid!;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`the ${mode} worker exited (${child.exitCode}) before it was ready`);
          const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null);
          if (res?.status === 200) break;
          if (performance.now() - t0 > 120_000) throw new Error(`the ${mode} worker was not ready after 120 s`);
          await new Promise((r) => setTimeout(r, 25));
        }
        const startS = (performance.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 3000));
        const idle = rssOf(pid);

        const configId = `footprint-${mode}-${run}-${round}`;
        const prepared = prepareConfig(
          {
            name: `footprint ${mode}`,
            extractions: [
              {
                name: 'records',
                endpoint: { url: `${sandboxUrl}/demo/api/more-records/records`, query_params: { per_page: 100 } },
                data_key: 'data',
                format: 'csv',
                s3_destiny: { folder: 'bench-footprint/' },
                pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records' } },
                data_schema: { id: 'id', name: 'name', email: 'email', status: 'status', amount: 'amount', owner: { name: 'owner_name' }, updated_at: 'updated_at' },
              },
            ],
          },
          configId,
          null,
          newId,
        );
        await stores.configs.insert({ id: configId, ...prepared }, 'bench');
        let peak = idle;
        const sampler = setInterval(() => {
          try {
            peak = Math.max(peak, rssOf(pid));
          } catch {
            // the process is gone: the run below fails and says so
          }
        }, 100);
        const t1 = Date.now();
        const result = await client.workflow.execute(extractConfig, {
          taskQueue: queue,
          workflowId: `bench-footprint-${mode}-${run}-${round}`,
          args: [{ configId, tuning: tuningFrom({ ...base, TEMPORAL_TASK_QUEUE: queue }), taskQueue: queue }],
        });
        clearInterval(sampler);
        const r = result.runs[0];
        if (!r?.success || r.records !== RECORDS) throw new Error(`the ${mode} worker's extraction did not extract every record: ${JSON.stringify(r)}`);
        process.stdout.write(
          `${mode} (round ${round + 1}): ready in ${startS.toFixed(2)} s, idle ${(idle / MB).toFixed(0)} MB, ` +
            `${RECORDS} records in ${((Date.now() - t1) / 1000).toFixed(1)} s with peak ${(peak / MB).toFixed(0)} MB\n`,
        );
        figures[mode].start.push(startS);
        figures[mode].idle.push(idle / MB);
        figures[mode].extract.push(peak / MB);
        await stopProcess(child);
        child = null;
      }
    }
    const line = (['tsx', 'compiled'] as Mode[])
      .filter((m) => figures[m].start.length > 0)
      .map((m) => `${m}_start_s=${median(figures[m].start).toFixed(2)} ${m}_rss_idle_mb=${median(figures[m].idle).toFixed(0)} ${m}_rss_extract_mb=${Math.max(...figures[m].extract).toFixed(0)}`)
      .join(' ');
    process.stdout.write(`bench worker-footprint: ${line} records=${RECORDS}\n`);
  } finally {
    if (child) await stopProcess(child);
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await conn.close();
    sandbox.kill('SIGTERM');
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench worker-footprint failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
