/**
 * `npm run probe`: an operator's probe of a running Switchyard (the stack the environment points at; `npm start`'s
 * by default), from outside the test suite:
 *
 *   1. a fuzz of malformed and hostile requests over HTTP against every route of the API (status histogram, 5xx);
 *   2. an extraction run with the worker killed (SIGKILL) mid-run, then one with the Temporal server killed: the
 *      output must hold every record exactly once (the supervisor of `npm start` restarts what was killed);
 *   3. every log file of the stack and every workflow history of the namespace scanned for every credential the
 *      stack holds (decrypted from MongoDB) or the sandbox's fakes issued or were sent.
 *
 * Options: --fuzz <n> (1200), --rows <n> (300000), --skip-kill. Its last line: `probe: ...` with the figures.
 * Killing stops the stack's own worker and Temporal server: run it on a stack nothing else is using.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { loadSettings, type Settings } from '../config';
import { temporalConnection } from '../config/temporal';
import { SandboxControl } from '../sandbox/client';
import { stackPaths } from '../stack/paths';
import { openStores } from '../store';
import { connectMongo } from '../store/mongo';
import type { ExtractConfigResult } from '../workflows/extraction';
import { hostileRequest, routesOf } from '../test/helpers/hostile';
import { leakedSecrets, sandboxCredentials } from '../test/helpers/secrets';
import { readS3 } from '../test/helpers/extraction';
import { waitFor } from '../test/helpers/capture';
import { s3Client } from '../store/s3';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// 1. Fuzz

async function fuzz(settings: Settings, count: number): Promise<{ histogram: Record<number, number>; fiveHundreds: string[] }> {
  const api = `http://127.0.0.1:${settings.API_PORT}`;
  const openApi = (await (await fetch(`${api}/api/openapi.json`)).json()) as unknown;
  const routes = routesOf(openApi, 'probe-id');
  const histogram: Record<number, number> = {};
  const fiveHundreds: string[] = [];
  const samples = fc.sample(hostileRequest(settings.ROOT_API_KEY), { numRuns: count, seed: 20261130 });
  for (const r of samples) {
    const route = routes[r.route % routes.length]!;
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    const res = await fetch(`${api}${route.url}${r.suffix}`, {
      method: route.method,
      headers: { ...(r.key !== null ? { 'x-api-key': r.key } : {}), 'content-type': r.contentType },
      ...(hasBody ? { body: r.body } : {}),
    });
    const text = await res.text();
    histogram[res.status] = (histogram[res.status] ?? 0) + 1;
    if (res.status >= 500) fiveHundreds.push(`${route.method} ${route.url}${r.suffix} -> ${res.status} ${text.slice(0, 160)}`);
    // A valid run or refresh the fuzz happened to start is not what it is about: cancel it.
    if (res.status === 202) {
      const id = (JSON.parse(text) as { workflowId?: string }).workflowId;
      if (id) pendingTerminations.push(id);
    }
  }
  return { histogram, fiveHundreds };
}
const pendingTerminations: string[] = [];

// ---------------------------------------------------------------------------------------------------------------
// 2. Kills mid-run

function pidOf(settings: Settings, name: 'worker' | 'temporal'): number {
  const file = path.join(stackPaths(settings).run, `${name}.pid`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: is the ${name} run by this stack's \`npm start\`?`);
  return Number(fs.readFileSync(file, 'utf8').trim());
}

async function killMidRun(settings: Settings, temporal: () => Promise<Client>, control: SandboxControl, victim: 'worker' | 'temporal', rows: number): Promise<{ rows: number; unique: number; pagesTwice: number; downAnswers: DownAnswers | undefined }> {
  const api = `http://127.0.0.1:${settings.API_PORT}`;
  const headers = { 'x-api-key': settings.ROOT_API_KEY, 'content-type': 'application/json' };
  await control.resetProvider('demo');
  await control.configure('demo', { count: rows });
  await control.call('DELETE', '/requests');
  const sandboxUrl = `http://127.0.0.1:${settings.SANDBOX_PORT}`;
  const name = `probe ${victim} kill ${Date.now()}`;
  const config = {
    name,
    extractions: [
      {
        name: 'records',
        endpoint: { url: `${sandboxUrl}/demo/api/more-records/records`, query_params: { per_page: 1000 } },
        data_key: 'data',
        data_schema: { id: 'id' },
        format: 'csv',
        s3_destiny: { folder: `probe/${victim}/`, file_name: `${Date.now()}.csv` },
        pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records' } },
      },
    ],
  };
  const created = await fetch(`${api}/api/configs`, { method: 'POST', headers, body: JSON.stringify(config) });
  if (created.status !== 201) throw new Error(`creating the probe config: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const started = await fetch(`${api}/api/configs/${id}/run`, { method: 'POST', headers: { 'x-api-key': settings.ROOT_API_KEY } });
  if (started.status !== 202) throw new Error(`starting the probe run: ${started.status} ${await started.text()}`);
  const { workflowId } = (await started.json()) as { workflowId: string };
  const pages = Math.ceil(rows / 1000);
  const served = async (): Promise<number> => (await control.requests({ provider: 'demo', path: '/more-records/records' })).length;
  await waitFor('a third of the pages fetched', async () => ((await served()) >= pages / 3 ? true : undefined), 300_000);
  const pid = pidOf(settings, victim);
  say(`  kill -9 ${victim} (pid ${pid}) after ${await served()} of ${pages} pages`);
  process.kill(pid, 'SIGKILL');
  let downAnswers: DownAnswers | undefined;
  if (victim === 'temporal') downAnswers = await answersWhileDown(api, headers, id, config);
  const result = await waitFor(
    'the run to end',
    async () => {
      const handle = (await temporal()).workflow.getHandle(workflowId);
      const d = await handle.describe();
      if (d.status.name === 'RUNNING') return undefined;
      return (await handle.result()) as ExtractConfigResult;
    },
    900_000,
  );
  const run = result.runs[0]!;
  if (!run.success || !run.destination) throw new Error(`the run after the kill failed: ${run.error ?? 'no destination'}`);
  const csv = await readS3(s3Client(settings), run.destination);
  const ids = csv.split(/\r?\n/).slice(1).filter((l) => l !== '');
  const perPage = new Map<string, number>();
  for (const r of await control.requests({ provider: 'demo', path: '/more-records/records' })) perPage.set(r.url, (perPage.get(r.url) ?? 0) + 1);
  await fetch(`${api}/api/configs/${id}`, { method: 'DELETE', headers: { 'x-api-key': settings.ROOT_API_KEY } });
  return { rows: ids.length, unique: new Set(ids).size, pagesTwice: [...perPage.values()].filter((n) => n > 1).length, downAnswers };
}

interface DownAnswers {
  write: { status: number; ms: number; schedule: string };
  run: { status: number; ms: number };
}

/** Right after Temporal was killed: how fast the API answers a config write and a run, and what it answers. */
async function answersWhileDown(api: string, headers: Record<string, string>, configId: string, config: object): Promise<DownAnswers> {
  const timedFetch = async (url: string, init: RequestInit): Promise<{ res: Response; ms: number }> => {
    const t0 = performance.now();
    const res = await fetch(url, init);
    return { res, ms: Math.round(performance.now() - t0) };
  };
  const w = await timedFetch(`${api}/api/configs`, { method: 'POST', headers, body: JSON.stringify({ ...config, name: `probe while Temporal is down ${Date.now()}` }) });
  const written = (await w.res.json()) as { id?: string; schedule?: { state?: string } };
  const r = await timedFetch(`${api}/api/configs/${configId}/run`, { method: 'POST', headers: { 'x-api-key': headers['x-api-key']! } });
  await r.res.arrayBuffer();
  if (written.id) await fetch(`${api}/api/configs/${written.id}`, { method: 'DELETE', headers: { 'x-api-key': headers['x-api-key']! } });
  return { write: { status: w.res.status, ms: w.ms, schedule: written.schedule?.state ?? 'none' }, run: { status: r.res.status, ms: r.ms } };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Secrets in logs and histories

async function storedSecrets(settings: Settings): Promise<Set<string>> {
  const out = new Set<string>([settings.ROOT_API_KEY, settings.ENCRYPTION_KEY]);
  const mongo = await connectMongo(settings);
  try {
    const stores = await openStores(mongo.db, settings);
    for (const c of await stores.oauthClients.list()) out.add((await stores.oauthClients.credentials(c.id)).clientSecret);
    let afterId: string | undefined;
    for (;;) {
      const page = await stores.accounts.list({ limit: 200, ...(afterId ? { afterId } : {}) });
      for (const a of page) {
        const creds = await stores.accounts.credentials(await stores.accounts.get(a.id));
        for (const v of [creds.refreshToken, creds.accessToken]) if (v) out.add(v);
      }
      if (page.length < 200) break;
      afterId = page[page.length - 1]!.id;
    }
    const names = (await stores.secrets.names()).map((s) => s.name);
    for (const v of Object.values(await stores.secrets.values(names))) out.add(v);
  } finally {
    await mongo.close();
  }
  return new Set([...out].filter((s) => s.length >= 6));
}

async function scanHistories(client: Client, secrets: Set<string>): Promise<{ histories: number; leaks: string[] }> {
  let histories = 0;
  const leaks = new Set<string>();
  for await (const wf of client.workflow.list()) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
    for (const l of leakedSecrets(text, secrets)) leaks.add(`${wf.workflowId}: ${l}`);
    histories++;
  }
  return { histories, leaks: [...leaks] };
}

function scanLogs(settings: Settings, secrets: Set<string>): { files: number; lines: number; leaks: string[] } {
  const p = stackPaths(settings);
  const leaks: string[] = [];
  let files = 0;
  let lines = 0;
  for (const dir of [p.logs, p.run]) {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.log'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      files++;
      lines += text.split('\n').length;
      for (const l of leakedSecrets(text, secrets)) leaks.push(`${f}: ${l}`);
    }
  }
  return { files, lines, leaks };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = loadSettings();
  const control = new SandboxControl(`http://127.0.0.1:${settings.SANDBOX_PORT}`);
  let conn: { client: Client; connection: Connection } | undefined;
  const temporal = async (): Promise<Client> => {
    if (!conn) {
      const connection = await Connection.connect(temporalConnection(settings));
      conn = { connection, client: new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE }) };
    }
    return conn.client;
  };
  const figures: string[] = [];

  const n = arg('fuzz', 1200);
  say(`fuzz: ${n} malformed and hostile requests against ${settings.API_PORT}`);
  const f = await fuzz(settings, n);
  for (const id of pendingTerminations) await (await temporal()).workflow.getHandle(id).terminate('probe fuzz').catch(() => undefined);
  say(`  histogram ${JSON.stringify(f.histogram)}`);
  for (const line of f.fiveHundreds.slice(0, 20)) say(`  5xx: ${line}`);
  figures.push(`requests=${n}`, `5xx=${f.fiveHundreds.length}`);

  if (!process.argv.includes('--skip-kill')) {
    const rows = arg('rows', 300_000);
    for (const victim of ['worker', 'temporal'] as const) {
      say(`${victim} killed mid-run: ${rows} records`);
      const r = await killMidRun(settings, temporal, control, victim, rows);
      say(`  ${r.rows} rows, ${r.unique} distinct, ${r.pagesTwice} pages fetched twice`);
      if (r.downAnswers) {
        const { write, run } = r.downAnswers;
        say(`  while Temporal was down: config write ${write.status} (schedule ${write.schedule}) in ${write.ms} ms, run ${run.status} in ${run.ms} ms`);
        figures.push(`down_write=${write.status}/${write.ms}ms`, `down_run=${run.status}/${run.ms}ms`);
      }
      figures.push(`${victim}_kill_rows=${r.rows}/${rows}`, `${victim}_kill_duplicated=${r.rows - r.unique}`, `${victim}_kill_lost=${rows - r.unique}`);
    }
  }

  // Refreshes of every provider's accounts, forced, so fresh tokens pass through the logs and histories scanned next.
  for (const provider of ['google', 'zoho', 'kommo']) {
    const res = await fetch(`http://127.0.0.1:${settings.API_PORT}/api/tokens/refresh`, {
      method: 'POST',
      headers: { 'x-api-key': settings.ROOT_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ provider, force: true }),
    });
    const { workflowId } = (await res.json()) as { workflowId?: string };
    if (res.status !== 202 || !workflowId) throw new Error(`refreshing ${provider}: ${res.status}`);
    const outcome = await (await temporal()).workflow.getHandle(workflowId).result();
    say(`refresh ${provider}: ${JSON.stringify(outcome).slice(0, 160)}`);
  }

  const secrets = new Set([...(await storedSecrets(settings)), ...(await sandboxCredentials(control))]);
  say(`secrets: ${secrets.size} credentials held by the stack or seen by the sandbox`);
  const logs = scanLogs(settings, secrets);
  const hist = await scanHistories(await temporal(), secrets);
  for (const l of [...logs.leaks, ...hist.leaks].slice(0, 20)) say(`  LEAK ${l}`);
  figures.push(`secrets=${secrets.size}`, `log_lines=${logs.lines}`, `log_leaks=${logs.leaks.length}`, `histories=${hist.histories}`, `history_leaks=${hist.leaks.length}`);
  await conn?.connection.close();
  say(`probe: ${figures.join(' ')}`);
  const bad = f.fiveHundreds.length > 0 || logs.leaks.length > 0 || hist.leaks.length > 0 || figures.some((x) => /_(lost|duplicated)=[1-9]/.test(x));
  process.exit(bad ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`probe failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
