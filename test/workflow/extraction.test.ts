import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkers, runWorkers } from '../../workers/worker';
import { extractConfig } from '../../workflows';
import { extractConfigProgressQuery, extractRunProgressQuery, type ExtractConfigResult, type ExtractionTuning } from '../../workflows/extraction';
import { CapturedLog, historiesText, mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { demoEventCount } from '../../sandbox/demo/dataset';
import { csvObjects, parseCsv, readS3, readS3Object } from '../helpers/extraction';
import { addConfig as addStoredConfig, runConfig as runStoredConfig } from '../helpers/extraction-runs';
import { gapsAfter429 } from '../helpers/requests';
import { workflowBundleFile } from '../helpers/bundle';
import { recordHistories } from '../helpers/histories';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { leakedSecrets, sandboxCredentials } from '../helpers/secrets';
import { createTestEnv, sdkLog, unique, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

const examples = path.join(__dirname, '..', '..', 'extraction', 'examples');
const log = new CapturedLog();
const workflowIds: string[] = [];
/** Every credential the sandbox was sent or issued (its request log is cleared between tests). */
const credentials = new Set<string>();
let sandbox: RunningSandbox;
let env: TestEnv;
let workers: Worker[];
let running: Promise<unknown>;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('extract', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, EXTRACT_BATCH_SECONDS: 1, LOG_LEVEL: 'info' }, { logDestination: log });
  const bundle = workflowBundleFile(env.settings);
  workers = await createWorkers(env.settings, env.connection, env.deps, { workflows: { workflowBundle: { codePath: bundle } }, overrides: { shutdownGraceTime: '5s' } });
  running = runWorkers(workers);
});

afterAll(async () => {
  try {
    // No page body in any history: a record's e-mail never appears there.
    const histories = await historiesText(env.client, workflowIds);
    expect(histories.length).toBeGreaterThan(1000);
    expect(histories).not.toMatch(/@demo\.test/);
    // No credential in any history or log line: every secret the tests stored (refresh tokens, client ids and
    // secrets) and every credential the sandbox was sent or issued (its request log), searched for in the
    // activity log and the SDK's own log lines (activity failures with their error chains).
    const stored = await env.deps.secrets.values((await env.deps.secrets.names()).map((n) => n.name));
    // (test/unit/helpers/sandbox-credentials.test.ts holds the collector to the fakes' token ledgers.)
    const all = new Set([...Object.values(stored), ...credentials, ...(await sandboxCredentials(sandbox.control))]);
    // The SDK's lines are really captured: an activity attempt that failed (a failure, or a retry's last failure
    // in the histories) was logged by the SDK as "Activity failed", with its error chain. Whichever tests ran.
    if (/"activityTaskFailedEventAttributes"|"lastFailure"/.test(histories)) expect(sdkLog.text).toContain('Activity failed');
    expect(leakedSecrets(histories, all), 'secrets in histories').toEqual([]);
    expect(leakedSecrets(log.text + sdkLog.text, all), 'secrets in logs').toEqual([]);
  } finally {
    await stopWorkers();
    for (const w of workers) w.shutdown();
    await running;
    await env.close();
    await sandbox.close();
  }
});

const addConfig = (body: unknown): ReturnType<typeof addStoredConfig> => addStoredConfig(env, body);
const runConfig = (configId: string, tuning: Partial<ExtractionTuning> = {}): ReturnType<typeof runStoredConfig> => runStoredConfig(env, configId, tuning, workflowIds);

const demoUrl = (style: string): string => `${sandbox.baseUrl}/demo/api/${style}/records`;

/** A JSON extraction of one demo style, keeping id and email. */
function demoConfig(style: string, pagination: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    name: `demo ${style}`,
    extractions: [
      {
        name: style,
        endpoint: { url: demoUrl(style), query_params: { per_page: 100 } },
        format: 'json',
        s3_destiny: { folder: `test/${style}/` },
        ...(pagination ? { pagination } : {}),
        ...extra,
      },
    ],
  };
}

const pageParams = { param_name: 'page', start_from: 1 };
const STYLES: Record<string, { pagination: unknown; data_key?: string; query?: Record<string, unknown> }> = {
  'more-records': { data_key: 'data', pagination: { type: 'sequential', parameters: { ...pageParams, there_are_more_pages: 'info.more_records' } } },
  'total-pages': { data_key: 'data', pagination: { type: 'sequential', parameters: { ...pageParams, there_are_more_pages: 'info.current_page < info.total_pages' } } },
  status: { data_key: 'data', pagination: { type: 'sequential', parameters: { ...pageParams, continue_while_status_code_is: 200 } } },
  'empty-array': { pagination: { type: 'sequential', parameters: { ...pageParams, stop_when_response_body_is_empty: true } } },
  'empty-body': { pagination: { type: 'sequential', parameters: { ...pageParams, stop_when_response_body_is_empty: true } } },
  offset: { data_key: 'data', query: {}, pagination: { type: 'offset', parameters: { offset_param: 'from', limit_param: 'limit', limit: 100, start_from: 1, total: 'total' } } },
  'next-link': { data_key: 'data', pagination: { type: 'link', parameters: { next_link: 'pagination.next_link' } } },
  'next-link-relative': { data_key: 'data', pagination: { type: 'link', parameters: { next_link: 'pagination.next_link' } } },
  'link-header': { pagination: { type: 'link_header' } },
  cursor: { data_key: 'data', query: { limit: 100 }, pagination: { type: 'cursor', parameters: { param_name: 'cursor', cursor_key: 'next_cursor' } } },
};

function styleConfig(style: string): unknown {
  const s = STYLES[style]!;
  const body = demoConfig(style, s.pagination, s.data_key ? { data_key: s.data_key } : {}) as { extractions: { endpoint: { query_params: unknown } }[] };
  if (s.query) body.extractions[0]!.endpoint.query_params = s.query;
  return body;
}

async function jsonRecords(uri: string): Promise<{ id: number; email: string }[]> {
  return JSON.parse(await readS3(env.deps.s3, uri)) as { id: number; email: string }[];
}

/** A more-records extraction with one detail request per record (mapping_fetch, prefix detail_). */
const detailsFetch = (): Record<string, unknown> => ({ endpoint: { url: `${sandbox.baseUrl}/demo/api/records/\${record::id}/details` }, prefix: 'detail_' });
function detailsConfig(perPage: number, extra: Record<string, unknown>): unknown {
  const endpoint = { url: demoUrl('more-records'), query_params: { per_page: perPage } };
  const pagination = { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } };
  return { name: 'details', extractions: [{ name: 'with-details', endpoint, data_key: 'data', pagination, ...extra }] };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

async function resetDemo(config: Record<string, unknown> = {}): Promise<void> {
  await sandbox.control.resetProvider('demo');
  await sandbox.control.clearFaults();
  // The credentials the sandbox was sent or issued so far, kept for the "no secret" checks before the log is cleared.
  for (const c of await sandboxCredentials(sandbox.control)) credentials.add(c);
  await sandbox.control.call('DELETE', '/requests');
  await sandbox.control.configure('demo', { count: 250, ...config });
}

interface Heartbeat {
  checkpoint: { parts: unknown[]; page: { pages: number; parent?: { index: number } } };
  live: { pages: number };
}

/** The fetchPages attempt's last heartbeat as the server holds it: the checkpoint a retry resumes from. */
async function heartbeatOf(child: WorkflowHandle): Promise<Heartbeat | undefined> {
  const desc = await child.describe();
  const details = desc.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
  return details ? (JSON.parse(Buffer.from(details).toString('utf8')) as Heartbeat) : undefined;
}

/** Starts extractConfig on a worker process of its own (which a test kills), for a config stored on the env. */
function killableRun(configId: string, tuning: ExtractionTuning): { handle: Promise<WorkflowHandle<typeof extractConfig>>; startWorker: () => ChildProcess } {
  const queue = `${env.taskQueue}-kill`;
  const workerEnv = { ...process.env, TEMPORAL_TASK_QUEUE: queue, MONGODB_URI: env.mongoUri(), PROVIDERS_SANDBOX_URL: sandbox.baseUrl, LOG_LEVEL: 'warn', CREATE_SCHEDULES: 'false' };
  const workflowId = unique('extract-kill');
  workflowIds.push(workflowId);
  return {
    handle: env.client.workflow.start(extractConfig, { taskQueue: queue, workflowId, args: [{ configId, taskQueue: queue, tuning }] }),
    startWorker: () => spawnWorker(workerEnv),
  };
}

describe('extraction runs as workflows against the demo REST API', () => {
  it.each(Object.keys(STYLES))('%s: every record exactly once, in order', async (style) => {
    await resetDemo();
    const { configId, extractionIds } = await addConfig(styleConfig(style));
    const result = await runConfig(configId);
    expect(result.runs).toHaveLength(1);
    const run = result.runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 250 });
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
    const [logEntry] = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logEntry).toMatchObject({ success: true, data_inserted_len: 250, config_id: configId, extraction_id: extractionIds[0], destiny: run.destination, error: null, workflow_id: run.runWorkflowId });
    expect((logEntry!.last as { id: number }).id).toBe(250);
  });
});

describe('record selection and gzip JSON Lines output', () => {
  it('a nested data_key selector and a filter give a gzip JSON Lines file of exactly the kept records', async () => {
    await resetDemo();
    // What the API serves, read directly: the expected records are the served ones the filter keeps.
    const served: { id: number; status: string; amount: number }[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await fetch(`${demoUrl('more-records')}?per_page=100&page=${page}`);
      served.push(...((await res.json()) as { data: typeof served }).data);
    }
    expect(served).toHaveLength(250);
    const keep = (r: (typeof served)[number]): boolean => r.status !== 'closed' && r.amount >= 1000;
    const expected = served.filter(keep);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(250);
    const body = demoConfig('more-records', STYLES['more-records']!.pagination, {
      data_key: '$.data[*]',
      filter: ["status != 'closed'", 'amount >= 1000'],
      format: 'jsonl',
      compression: 'gzip',
    });
    const { configId, extractionIds } = await addConfig(body);
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: expected.length });
    expect(run.destination).toMatch(/\.jsonl\.gz$/);
    const { bytes, contentType } = await readS3Object(env.deps.s3, run.destination!);
    expect(contentType).toBe('application/gzip');
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const text = gunzipSync(bytes).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => expect(JSON.parse(line), `line ${i + 1}`).toEqual(expected[i]));
    const [logEntry] = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logEntry).toMatchObject({ success: true, data_inserted_len: expected.length, data_filtered_len: 250 - expected.length, destiny: run.destination });
  });
});

describe('time:: references', () => {
  it("put the run's start date in a query param and in a date-partitioned folder, the same on every page", async () => {
    await resetDemo();
    const body = demoConfig('more-records', STYLES['more-records']!.pagination, {
      data_key: 'data',
      s3_destiny: { folder: 'test/dated/${time::now|YYYY/MM/DD}/', filename: 'records-${time::today|date}' },
    }) as { extractions: { endpoint: { query_params: Record<string, unknown> } }[] };
    body.extractions[0]!.endpoint.query_params.since = '${time::today-1d|date}';
    const before = new Date();
    const { configId } = await addConfig(body);
    const run = (await runConfig(configId)).runs[0]!;
    const after = new Date();
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 250 });
    // The run's start lies between before and after (a run started a moment before midnight keeps its day).
    const day = (d: Date, sep: string): string => d.toISOString().slice(0, 10).replaceAll('-', sep);
    const dayBefore = (d: Date): string => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - 1)).toISOString().slice(0, 10);
    const folders = [before, after].map((d) => `/test/dated/${day(d, '/')}/records-${day(d, '-')}.json`);
    expect(folders.some((f) => run.destination!.endsWith(f)), run.destination!).toBe(true);
    const pages = await sandbox.control.requests({ provider: 'demo' });
    expect(pages.length).toBe(3);
    const since = new Set(pages.map((r) => new URL(r.url, 'http://x').searchParams.get('since')));
    expect(since.size).toBe(1);
    expect([before, after].map(dayBefore)).toContain([...since][0]);
  });
});

describe('auth: API key, basic, client credentials', () => {
  it('an API key in the query, echoed by every next link: every record once, the key on every page, never in state or history', async () => {
    await resetDemo({ auth: { required: true, scheme: 'api_key', apiKey: { name: 'api_key', in: 'query', value: 'demo-api-key-7f3a9c' } } });
    await env.deps.secrets.set('demo_api_key', 'demo-api-key-7f3a9c', 'test');
    const body = { ...(styleConfig('next-link') as object), auth: { api_key: { name: 'api_key', in: 'query', value: '${secret::demo_api_key}' } } };
    const { configId } = await addConfig(body);
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 250 });
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
    const pages = await sandbox.control.requests({ provider: 'demo' });
    expect(pages.map((r) => [r.status, new URL(r.url, 'http://x').searchParams.getAll('api_key')])).toEqual([1, 2, 3].map(() => [200, ['demo-api-key-7f3a9c']]));
  });
  it('OAuth client credentials, in a basic header: one token for the run, a Bearer on every page, renewed on a 401', async () => {
    await resetDemo({ auth: { required: true, clientId: 'svc-client', clientSecret: 'cc-s3cret/+9' } });
    await env.deps.secrets.set('demo_cc_secret', 'cc-s3cret/+9', 'test');
    const body = {
      ...(styleConfig('more-records') as object),
      name: 'demo client credentials',
      auth: { client_credentials: { token_url: `${sandbox.baseUrl}/demo/oauth/token`, client_id: 'svc-client', client_secret: '${secret::demo_cc_secret}', scope: 'records:read', credentials_in: 'basic' } },
    };
    await sandbox.control.armFault({ provider: 'demo', path: '/[?&]page=2(&|$)/', status: 401, body: { error: 'token_expired' } });
    const { configId } = await addConfig(body);
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 250 });
    const seen = await sandbox.control.requests({ provider: 'demo' });
    const tokenCalls = seen.filter((r) => r.url.includes('/oauth/token'));
    expect(tokenCalls.map((r) => r.status)).toEqual([200, 200]);
    expect(seen.filter((r) => r.url.includes('/records')).map((r) => r.status)).toEqual([200, 401, 200, 200]);
  });
  it('HTTP basic from secrets; a wrong password fails the run as a 401, naming no secret', async () => {
    await resetDemo({ auth: { required: true, scheme: 'basic', basic: { username: 'ops', password: 'b4sic-pass-91' } } });
    await env.deps.secrets.set('demo_pw', 'b4sic-pass-91', 'test');
    const body = (auth: unknown) => ({ ...(styleConfig('more-records') as object), auth });
    const good = await addConfig(body({ basic: { username: 'ops', password: '${secret::demo_pw}' } }));
    const ok = (await runConfig(good.configId)).runs[0]!;
    expect(ok, ok.error ?? '').toMatchObject({ success: true, records: 250 });
    await env.deps.secrets.set('demo_pw_wrong', 'not-the-pass-22', 'test');
    const bad = await addConfig({ ...body({ basic: { username: 'ops', password: '${secret::demo_pw_wrong}' } }), name: 'demo basic wrong' });
    const failed = (await runConfig(bad.configId)).runs[0]!;
    expect(failed.success).toBe(false);
    expect(failed.error).toMatch(/401/);
    expect(failed.error).not.toContain('not-the-pass-22');
  });
});

describe('response_actions', () => {
  it('retry a 409 like a 5xx, and end the pagination at an ignored 404: every record before it once, the run a success', async () => {
    await resetDemo();
    await sandbox.control.armFault({ provider: 'demo', path: '/[?&]page=2(&|$)/', status: 409, body: { error: 'locked', message: 'the list is being rebuilt' } });
    await sandbox.control.armFault({ provider: 'demo', path: '/[?&]page=3(&|$)/', status: 404, body: { error: 'gone' } });
    const body = styleConfig('more-records') as { extractions: Record<string, unknown>[] };
    body.extractions[0]!.response_actions = [
      { status_code: 409, content: 'being rebuilt', action: 'retry' },
      { status_code: 404, action: 'ignore' },
    ];
    const { configId } = await addConfig(body);
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 200 });
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(200));
    const pages = (await sandbox.control.requests({ provider: 'demo' })).map((r) => `${r.status} page=${new URL(r.url, 'http://x').searchParams.get('page')}`);
    expect(pages).toEqual(['200 page=1', '409 page=2', '200 page=2', '404 page=3']);
  });
  it('a detail ignored by its rule leaves the record without it; a body matching a fail rule fails the run naming the rule', async () => {
    await resetDemo({ count: 20 });
    await sandbox.control.armFault({ provider: 'demo', path: '/records/7/details', status: 410, body: { error: 'archived' } });
    const details = (rules: unknown[]) => ({
      ...(detailsConfig(50, { format: 'json', mapping_fetch: { ...detailsFetch(), data_schema: { phone: 'phone' }, response_actions: rules }, data_schema: { id: 'id', detail_phone: 'phone' } }) as object),
      name: `details ${rules.length}`,
    });
    const ok = (await runConfig((await addConfig(details([{ status_code: 410, action: 'ignore' }]))).configId)).runs[0]!;
    expect(ok, ok.error ?? '').toMatchObject({ success: true, records: 20 });
    const out = JSON.parse(await readS3(env.deps.s3, ok.destination!)) as { id: number; phone?: string }[];
    expect(out.filter((r) => r.phone === undefined || r.phone === null).map((r) => r.id)).toEqual([7]);
    const failed = (await runConfig((await addConfig(details([{ status_code: 410, action: 'ignore' }, { content: '"phone"', action: 'fail' }]))).configId)).runs[0]!;
    expect(failed.success).toBe(false);
    expect(failed.error).toContain('mapping_fetch: HTTP 200 matched response action {"content":"\\"phone\\"","action":"fail"}');
  });
});

describe('pagination edge cases', () => {
  async function runStyle(style: string, switches: Record<string, unknown>): Promise<ExtractConfigResult['runs'][number]> {
    await resetDemo({ switches });
    const { configId } = await addConfig(styleConfig(style));
    return (await runConfig(configId)).runs[0]!;
  }

  it('a short page that is not the last does not end the run', async () => {
    const run = await runStyle('more-records', { shortPage: { page: 2, size: 10 } });
    expect(run.success, run.error ?? '').toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
  });

  it.each([
    ['next-link', 'path'],
    ['next-link-relative', 'root'],
    ['link-header', 'root'],
    ['link-header', 'path'],
  ])('%s with %s-relative next links', async (style, relativeLinks) => {
    const run = await runStyle(style, { relativeLinks });
    expect(run.success, run.error ?? '').toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
  });

  it.each(['next-link', 'link-header'])('%s with duplicated query parameters on next links', async (style) => {
    const run = await runStyle(style, { duplicateQueryParams: true });
    expect(run.success, run.error ?? '').toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
  });

  // Page styles refuse the repeated page itself (all 250 records were written once); link and cursor styles refuse
  // the last page, whose next link or cursor repeats, so its records are not written (200).
  it.each([
    ['more-records', /same page twice/, 250],
    ['total-pages', /same page twice/, 250],
    ['status', /same page twice/, 250],
    ['next-link', /already sent/, 200],
    ['cursor', /already sent/, 200],
  ])('%s serving the last page twice: the run stops with an error and publishes, as partial, every record once', async (style, message, kept) => {
    const run = await runStyle(style, { lastPageTwice: true });
    expect(run.success).toBe(false);
    expect(run.error).toMatch(message);
    // The repeated page is refused before it is written: what the run fetched before it is kept, nothing twice.
    expect(run.partial).toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(kept));
    const logs = await env.mongo.db.collection('extract_run_logs').find({ _id: run.runWorkflowId as never }).toArray();
    expect(logs[0]).toMatchObject({ success: false, partial: true, destiny: run.destination });
    expect(await env.mongo.db.collection('extract_runs').countDocuments({ _id: run.runWorkflowId as never })).toBe(0);
  });

  it('a missing has-more field on the last page fails the run naming the field, rather than guessing', async () => {
    const since = await mailMark(env.settings);
    const run = await runStyle('more-records', { omitMoreRecords: 'last' });
    expect(run.success).toBe(false);
    expect(run.error).toContain('info.more_records');
    // Failed runs are e-mailed to operations, with the error and where to read the run log.
    const [mail] = await waitFor('the failure e-mail', async () => (await mailsAbout(env.settings, run.runWorkflowId, since)).filter((m) => m.subject.includes('failed')));
    expect(mail!.subject).toContain('extraction more-records of config demo more-records failed');
    expect(mail!.text).toContain('info.more_records');
    expect(mail!.text).toContain('published as a partial file');
    await recordHistories(env.client, 'extract-run-failed', run.runWorkflowId, 'extraction.test.ts: a missing has-more field fails the run');
  });
});

describe('records', () => {
  it('data_schema nesting and every transformation, in priority order, into a ;-separated CSV', async () => {
    await resetDemo({ count: 120 });
    const { configId } = await addConfig({
      name: 'transforms',
      extractions: [
        {
          name: 'people',
          endpoint: { url: demoUrl('more-records'), query_params: { per_page: 100 } },
          data_key: 'data',
          format: 'csv',
          output_params: { csv_separator: ';' },
          pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
          data_schema: { id: 'id', name: 'name', description: 'description', owner: { name: 'owner_name', email: 'owner_email' }, address: { city: 'city' }, tags: 'tags' },
          transformations: [
            { action: 'replace', priority: -1, on: ['description'], params: { to_replace: ';', value: '.' } },
            { action: 'upper', priority: 20, on: ['name'], new_column_prefix: 'up_' },
            { action: 'title', priority: 19, on: ['up_name'], new_column_prefix: 'ti_' },
            { action: 'capitalize', priority: 19, on: ['up_name'], new_column_prefix: 'cap_' },
            { action: 'lower', priority: 19, on: ['name'], new_column_prefix: 'low_' },
            { action: 'split', priority: 10, on: ['description'], new_column_prefix: 'tr_', params: { char: ';' } },
            { action: 'slice', priority: 9, on: ['tr_description'], params: { start: 1 } },
            { action: 'ltrim', priority: 8, on: ['tr_description'] },
            { action: 'trim', priority: 8, on: ['tr_description'] },
            { action: 'join', priority: 7, on: ['tr_description'], params: { sep: '' } },
            { action: 'split', priority: 10, on: ['description'], new_column_prefix: 'rt_', params: { char: 'status' } },
            { action: 'slice', priority: 9, on: ['rt_description'], params: { start: 0, stop: 1 } },
            { action: 'rtrim', priority: 8, on: ['rt_description'] },
            { action: 'join', priority: 7, on: ['rt_description'], params: { sep: '' } },
          ],
        },
      ],
    });
    const run = (await runConfig(configId)).runs[0]!;
    expect(run.success, run.error ?? '').toBe(true);
    expect(run.destination).toMatch(/\.csv$/);
    const text = await readS3(env.deps.s3, run.destination!);
    expect(text.split('\n')[0]).toBe('id;name;description;owner_name;owner_email;city;tags;up_name;ti_up_name;cap_up_name;low_name;tr_description;rt_description');
    const rows = csvObjects(text, ';');
    expect(rows).toHaveLength(120);
    const raw: { id: number; name: string; description: string; owner: { name: string; email: string }; address: { city: string }; tags: string[] }[] = [];
    for (const page of [1, 2]) {
      raw.push(...((await (await fetch(`${demoUrl('more-records')}?per_page=100&page=${page}`)).json()) as { data: typeof raw }).data);
    }
    rows.forEach((row, i) => {
      const r = raw[i]!;
      const title = r.name.split(' ').map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(' ');
      expect(row).toEqual({
        id: String(r.id),
        name: r.name,
        description: r.description.replaceAll(';', '.'),
        owner_name: r.owner.name,
        owner_email: r.owner.email,
        city: r.address.city,
        tags: JSON.stringify(r.tags),
        up_name: r.name.toUpperCase(),
        ti_up_name: title,
        cap_up_name: r.name.charAt(0).toUpperCase() + r.name.slice(1).toLowerCase(),
        low_name: r.name.toLowerCase(),
        tr_description: r.description.split(';')[1]!.trim(),
        rt_description: r.description.split('status')[0]!.trimEnd(),
      });
    });
  });

  it('mapping_fetch: one detail request per record, merged with its prefix', async () => {
    await resetDemo({ count: 120 });
    const { configId } = await addConfig(
      detailsConfig(50, {
        format: 'json',
        mapping_fetch: { ...detailsFetch(), data_schema: { phone: 'phone', address: { zip: 'zip' } } },
        data_schema: { id: 'id', email: 'email', detail_phone: 'phone', detail_zip: 'zip' },
      }),
    );
    const run = (await runConfig(configId)).runs[0]!;
    expect(run.success, run.error ?? '').toBe(true);
    expect(await sandbox.control.requests({ provider: 'demo', path: '/details' })).toHaveLength(120);
    const out = JSON.parse(await readS3(env.deps.s3, run.destination!)) as { id: number; phone: string; zip: string }[];
    expect(out.map((r) => r.id)).toEqual(range(120));
    for (const r of [out[0]!, out[77]!]) {
      const d = (await (await fetch(`${sandbox.baseUrl}/demo/api/records/${r.id}/details`)).json()) as { phone: string; address: { zip: string } };
      expect(r).toMatchObject({ phone: d.phone, zip: d.address.zip });
    }
  });
});

describe('parent/child extractions', () => {
  interface DemoEvent {
    id: string;
    record_id: number;
    seq: number;
    _parent_id: number;
    _parent_email: string;
  }
  /** A record's events straight from the demo API: what the child must have written for it. */
  async function eventsOf(id: number): Promise<{ id: string }[]> {
    return ((await (await fetch(`${sandbox.baseUrl}/demo/api/records/${id}/events?per_page=100`)).json()) as { data: { id: string }[] }).data;
  }
  /** The child listed first: it still runs after its parent. Events 3 a page, so a record's events span pages. */
  function parentChildConfig(parentExtra: Record<string, unknown> = {}): unknown {
    const events = {
      name: 'events',
      endpoint: { url: `${sandbox.baseUrl}/demo/api/records/\${parent::record}/events`, query_params: { per_page: 3 } },
      parent: { extraction: 'records', fields: { record: 'id' }, include_parent_fields: ['id', 'email'] },
      data_key: 'data',
      pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
      format: 'json',
      s3_destiny: { folder: 'test/parent-child/' },
    };
    const records = { ...(detailsConfig(40, { format: 'json', s3_destiny: { folder: 'test/parent-child/' } }) as { extractions: Record<string, unknown>[] }).extractions[0]!, name: 'records', ...parentExtra };
    return { name: 'parent and child', extractions: [events, records] };
  }

  /** Parent records 1000 a page; events 2 a page with most of the parent's fields: over 5 MiB for 2,500 records. */
  function bigChildConfig(): unknown {
    const body = parentChildConfig({ endpoint: { url: demoUrl('more-records'), query_params: { per_page: 1000 } } }) as { extractions: Record<string, unknown>[] };
    const events = body.extractions[0] as { endpoint: { query_params: Record<string, unknown> }; parent: { include_parent_fields: string[] } };
    events.endpoint.query_params = { per_page: 2 };
    events.parent.include_parent_fields = ['id', 'email', 'name', 'owner', 'tags', 'address', 'description', 'created_at'];
    return body;
  }

  it("runs the child once per parent record after the parent: every child record exactly once, with the parent's fields", async () => {
    await resetDemo({ count: 100 });
    const { configId, extractionIds } = await addConfig(parentChildConfig());
    const result = await runConfig(configId);
    expect(result.runs.map((r) => r.extractionName)).toEqual(['records', 'events']);
    const [parentRun, childRun] = result.runs;
    expect(parentRun!.success, parentRun!.error ?? '').toBe(true);
    expect(childRun!.success, childRun!.error ?? '').toBe(true);
    const parents = await jsonRecords(parentRun!.destination!);
    expect(parents.map((r) => r.id)).toEqual(range(100));
    const out = JSON.parse(await readS3(env.deps.s3, childRun!.destination!)) as DemoEvent[];
    const requests = await sandbox.control.requests({ provider: 'demo', path: '/events' });
    const expected: DemoEvent[] = [];
    let pages = 0;
    for (const p of parents) {
      const events = await eventsOf(p.id);
      // Every page of the record's events was asked for once; a record without events costs one request.
      pages += Math.max(1, Math.ceil(events.length / 3));
      for (const e of events) expected.push({ ...(e as Omit<DemoEvent, '_parent_id' | '_parent_email'>), _parent_id: p.id, _parent_email: p.email });
    }
    expect(out).toEqual(expected);
    expect(new Set(out.map((e) => e.id)).size).toBe(out.length);
    expect(requests).toHaveLength(pages);
    expect(childRun).toMatchObject({ records: expected.length, pages });
    const [childLog] = await env.deps.runLogs.of(extractionIds[0]!);
    expect(childLog).toMatchObject({ success: true, data_inserted_len: expected.length });
  });

  it('a child run over several batches resumes at the parent record and page its last part ended at: every event once, every page asked once', async () => {
    // About 13,000 events of about 450 bytes (with the parent's fields): over 5 MiB, so the child's first part ends a
    // 1 s batch, and a tiny history budget continues it as new; the next batch goes on from that part's checkpoint.
    await resetDemo({ count: 2500 });
    const { configId } = await addConfig(bigChildConfig());
    const [parentRun, childRun] = (await runConfig(configId, { historyBudget: 10 })).runs;
    expect(parentRun!.success, parentRun!.error ?? '').toBe(true);
    expect(childRun!.success, childRun!.error ?? '').toBe(true);
    const out = JSON.parse(await readS3(env.deps.s3, childRun!.destination!)) as DemoEvent[];
    // Events in parent order, each record's in order, none twice or missing: ids "<record>-<n>" count up per record.
    let prev = { record: 0, n: 0 };
    for (const e of out) {
      const [record, n] = e.id.split('-').map(Number) as [number, number];
      expect(record === prev.record ? n === prev.n + 1 : record > prev.record && n === 1, `${e.id} after ${prev.record}-${prev.n}`).toBe(true);
      expect(e._parent_id).toBe(record);
      prev = { record, n };
    }
    // The demo API's own count per record (computed from the id): no record's events missing at the end either.
    expect(out.length).toBe(range(2500).reduce((sum, id) => sum + demoEventCount(id), 0));
    expect(childRun!.bytes).toBeGreaterThan(5 * 1024 * 1024);
    // No page of any record fetched twice across the batches.
    const asked = (await sandbox.control.requests({ provider: 'demo', path: '/events' })).map((r) => new URL(r.url, 'http://sandbox')).map((u) => `${u.pathname}?${u.searchParams.get('page')}`);
    expect(asked.length - new Set(asked).size).toBe(0);
    let runs = 0;
    for await (const _ of env.client.workflow.list({ query: `WorkflowId="${childRun!.runWorkflowId}"` })) runs++;
    expect(runs).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('a worker killed mid-child: the new worker resumes at the parent record and page of the last part; every event once', async () => {
    await resetDemo({ count: 2500 });
    const { configId } = await addConfig(bigChildConfig());
    // Slow event pages, so the kill lands after the child's first part and before its end.
    await sandbox.control.armFault({ provider: 'demo', path: '/events', delayMs: 5, times: 100_000 });
    const run = killableRun(configId, { batchSeconds: 60, heartbeatSeconds: 5, historyBudget: 2000 });
    const first = run.startWorker();
    const handle = await run.handle;
    const childRun = async (): Promise<WorkflowHandle | undefined> => {
      const p = await handle.query(extractConfigProgressQuery);
      return p.current?.extractionName === 'events' ? env.client.workflow.getHandle(p.current.workflowId) : undefined;
    };
    const child = await waitFor('the child run', childRun, 120_000);
    workflowIds.push(child.workflowId);
    await waitFor('a part of the child uploaded, and pages after it', async () => {
      const hb = await heartbeatOf(child);
      return hb && hb.checkpoint.parts.length >= 1 && hb.live.pages > hb.checkpoint.page.pages ? true : undefined;
    }, 120_000);
    await stopWorker(first, 'SIGKILL');
    const resumedFrom = (await heartbeatOf(child))!.checkpoint.page;
    expect(resumedFrom.parent?.index).toBeGreaterThan(0);
    const second = run.startWorker();
    try {
      const result = await handle.result();
      const [parentRun, done] = result.runs;
      expect(parentRun!.success, parentRun!.error ?? '').toBe(true);
      expect(done!.success, done!.error ?? '').toBe(true);
      const out = JSON.parse(await readS3(env.deps.s3, done!.destination!)) as DemoEvent[];
      expect(out.length).toBe(range(2500).reduce((sum, id) => sum + demoEventCount(id), 0));
      expect(new Set(out.map((e) => e.id)).size).toBe(out.length);
      // The parent records before the checkpoint's (record ids 1..index) were in uploaded parts: none asked again.
      const asked = (await sandbox.control.requests({ provider: 'demo', path: '/events' })).map((r) => new URL(r.url, 'http://sandbox'));
      const before = asked.filter((u) => Number(u.pathname.split('/').at(-2)) <= resumedFrom.parent!.index).map((u) => `${u.pathname}?${u.searchParams.get('page')}`);
      expect(before.length).toBeGreaterThan(0);
      expect(before.length - new Set(before).size).toBe(0);
    } finally {
      await stopWorker(second);
    }
  }, 300_000);

  it('a failed parent: the child is not run, and its run log says why', async () => {
    await resetDemo({ count: 30 });
    // The parent's records are read from a number: the parent's run fails on its first page.
    const { configId, extractionIds } = await addConfig(parentChildConfig({ data_key: 'info.page' }));
    const [parentRun, childRun] = (await runConfig(configId)).runs;
    // The child's run id names no workflow (it never started): no history to read back.
    workflowIds.splice(workflowIds.indexOf(childRun!.runWorkflowId), 1);
    expect(parentRun).toMatchObject({ extractionName: 'records', success: false });
    expect(childRun).toMatchObject({ extractionName: 'events', success: false, records: 0, error: 'not run: its parent extraction records failed in this config run' });
    expect(await sandbox.control.requests({ provider: 'demo', path: '/events' })).toHaveLength(0);
    const [childLog] = await env.deps.runLogs.of(extractionIds[0]!);
    expect(childLog).toMatchObject({ success: false, error: 'not run: its parent extraction records failed in this config run' });
  });
});

describe('CSV without a data_schema', () => {
  it('every column any record has: details that only later records have join the header, earlier parts padded to it', async () => {
    // Records 1..19999 have no detail (404: kept without it); from 20000 on (on page 20) they bring the detail_ keys,
    // after a first 5 MiB part went up with the shorter header.
    const count = 20_500;
    await resetDemo({ count });
    await sandbox.control.armFault({ provider: 'demo', path: '/\\/records\\/(\\d{1,4}|1\\d{4})\\/details/', times: 19_999, status: 404, body: { error: 'not_found' } });
    const { configId, extractionIds } = await addConfig(detailsConfig(1000, { format: 'csv', mapping_fetch: detailsFetch() }));
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: count });
    const first = (await (await fetch(`${demoUrl('more-records')}?per_page=1`)).json()) as { data: Record<string, unknown>[] };
    const lastDetail = (await (await fetch(`${sandbox.baseUrl}/demo/api/records/${count}/details`)).json()) as Record<string, unknown>;
    const columns = [...Object.keys(first.data[0]!), ...Object.keys(lastDetail).map((k) => `detail_${k}`)];

    const text = await readS3(env.deps.s3, run.destination!);
    // The rows of pages 1..19, without the empty detail cells the realignment added, filled more than a part.
    const early = text.slice(text.indexOf('\n') + 1, text.indexOf('\n19001,'));
    expect(Buffer.byteLength(early) - 19_000 * Object.keys(lastDetail).length).toBeGreaterThan(5 * 1024 * 1024);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(columns);
    expect(rows).toHaveLength(count);
    expect(rows.filter((r) => r.length !== columns.length)).toEqual([]);
    const byId = new Map(csvObjects(text).map((r) => [Number(r.id), r]));
    expect(byId.get(1)).toMatchObject({ email: first.data[0]!.email, detail_phone: '', detail_notes: '' });
    expect(byId.get(19_999)).toMatchObject({ detail_id: '' });
    expect(byId.get(count)).toMatchObject({ detail_id: String(count), detail_phone: lastDetail.phone, detail_address: JSON.stringify(lastDetail.address) });

    const [logEntry] = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logEntry).toMatchObject({ success: true, data_inserted_len: count, columns, dropped_columns: [], bytes: Buffer.byteLength(text) });
    // 20,500 detail requests: longer than the default minute on a busy 2-core machine.
  }, 180_000);
  it('gzip: a CSV whose columns grew is unpacked, realigned and packed again', async () => {
    // Records 1..10 (page 1) have no detail; later pages bring the detail_ keys after the header went out.
    await resetDemo({ count: 30 });
    await sandbox.control.armFault({ provider: 'demo', path: '/\\/records\\/([1-9]|10)\\/details/', times: 10, status: 404, body: { error: 'not_found' } });
    const { configId } = await addConfig(detailsConfig(10, { format: 'csv', compression: 'gzip', mapping_fetch: detailsFetch() }));
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 30 });
    expect(run.destination).toMatch(/\.csv\.gz$/);
    const { bytes, contentType } = await readS3Object(env.deps.s3, run.destination!);
    expect(contentType).toBe('application/gzip');
    const [header, ...rows] = parseCsv(gunzipSync(bytes).toString('utf8'));
    expect(header).toContain('detail_phone');
    expect(rows).toHaveLength(30);
    expect(rows.filter((r) => r.length !== header!.length)).toEqual([]);
    const at = header!.indexOf('detail_phone');
    expect(rows.map((r) => r[at] !== '')).toEqual(range(30).map((id) => id > 10));
  });
});

describe('auth, limits and incremental runs', () => {
  const authedConfig = (): unknown => ({
    name: 'authed',
    auth: {
      refresh_token: { endpoint: { url: `${sandbox.baseUrl}/demo/oauth/token`, query_params: { refresh_token: '${secret::demo_rt}', grant_type: 'refresh_token' } }, response_token_key: 'mytoken' },
      access_token: '',
    },
    extractions: [
      {
        name: 'records',
        endpoint: { url: demoUrl('more-records'), headers: { Authorization: 'Bearer ${self::auth.access_token}' }, query_params: { per_page: 25 } },
        data_key: 'data',
        format: 'json',
        pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
      },
    ],
  });

  it('refreshes the token at the start and once more on a 401 mid-run; every record once', async () => {
    await resetDemo({ count: 250, auth: { required: true, tokenKey: 'mytoken' } });
    await env.deps.secrets.set('demo_rt', 'demo-refresh-token', 'test');
    const { configId } = await addConfig(authedConfig());
    await sandbox.control.armFault({ provider: 'demo', path: '/more-records/records', after: 3, times: 1, status: 401, body: { error: 'token_expired' } });
    const run = (await runConfig(configId)).runs[0]!;
    expect(run.success, run.error ?? '').toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
    const grants = await sandbox.control.requests({ provider: 'demo', path: '/oauth/token' });
    expect(grants.map((g) => g.status)).toEqual([200, 200]);
  });

  it('a 401 that a fresh token does not cure fails the run without retrying forever', async () => {
    await resetDemo({ count: 250, auth: { required: true, tokenKey: 'mytoken' } });
    await env.deps.secrets.set('demo_rt', 'demo-refresh-token', 'test');
    const { configId } = await addConfig(authedConfig());
    await sandbox.control.armFault({ provider: 'demo', path: '/more-records/records', after: 2, times: 2, status: 401, body: { error: 'invalid_token' } });
    const run = (await runConfig(configId)).runs[0]!;
    expect(run.success).toBe(false);
    expect(run.error).toMatch(/401/);
  });

  it('a 429 with Retry-After is waited out before the API is called again, and the page fetched again; no record twice', async () => {
    await resetDemo({ count: 250 });
    const { configId } = await addConfig(styleConfig('more-records'));
    // Several seconds: longer than the retry floor and the activity's first retry interval (1 s each), so only
    // a run that read the header waits this long.
    const retryAfterSeconds = 4;
    await sandbox.control.armFault({ provider: 'demo', path: '/page=2$/', times: 1, status: 429, retryAfter: retryAfterSeconds });
    const result = await runConfig(configId);
    const run = result.runs[0]!;
    expect(run.success, run.error ?? '').toBe(true);
    expect((await jsonRecords(run.destination!)).map((r) => r.id)).toEqual(range(250));
    await recordHistories(env.client, 'extract-config-retried', result.workflowId, 'extraction.test.ts: a 429 with Retry-After is waited out');
    await recordHistories(env.client, 'extract-run-retried', run.runWorkflowId, 'extraction.test.ts: a 429 with Retry-After is waited out');
    const requests = await sandbox.control.requests({ provider: 'demo', path: '/more-records/records' });
    expect(requests.filter((r) => /page=2$/.test(r.url)).map((r) => r.status)).toEqual([429, 200]);
    // From the sandbox's own log: nothing was sent to the API (any page) until Retry-After had passed.
    const gaps = gapsAfter429(requests, () => 'the demo API');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.gapMs).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
  });

  /** More-records pages of what changed since last::updated_at (from the start of 2000 on a first run). */
  const incrementalConfig = (): unknown => {
    const body = styleConfig('more-records') as { extractions: { endpoint: { query_params: Record<string, unknown> } }[] };
    body.extractions[0]!.endpoint.query_params = { per_page: 100, sort: 'updated_at', updated_since: '$(last::updated_at, 2000-01-01T00:00:00Z)' };
    return body;
  };

  it('an incremental cursor on updated_at with >= filtering: each run only what changed, the boundary records never twice, the API sorted by id', async () => {
    // The API includes records updated exactly at updated_since and sorts by id, not by the cursor: the cursor keeps
    // the highest value whatever the order, and the records written at it are dropped by their ids next time.
    await resetDemo({ count: 250, updatedSinceInclusive: true });
    const body = styleConfig('more-records') as { extractions: Record<string, unknown>[] };
    const ex = body.extractions[0]! as { endpoint: { query_params: Record<string, unknown> } } & Record<string, unknown>;
    ex.endpoint.query_params = { per_page: 100, sort: 'id', updated_since: '${incremental::start_value}' };
    ex.incremental = { cursor_path: 'updated_at', initial_value: '2000-01-01T00:00:00Z', primary_key: 'id' };
    const { configId, extractionIds } = await addConfig(body);
    const first = (await runConfig(configId)).runs[0]!;
    expect(first, first.error ?? '').toMatchObject({ success: true, records: 250 });
    const [log1] = await env.deps.runLogs.of(extractionIds[0]!);
    const last250 = (await jsonRecords(first.destination!)).at(-1) as unknown as { updated_at: string };
    expect(log1!.incremental).toMatchObject({ last_value: last250.updated_at, ordered: true });
    await sandbox.control.call('POST', '/demo/touch', { ids: [7, 5] });
    const second = (await runConfig(configId)).runs[0]!;
    expect(second, second.error ?? '').toMatchObject({ success: true, records: 2 });
    expect((await jsonRecords(second.destination!)).map((r) => r.id)).toEqual([5, 7]);
    const sent = (await sandbox.control.requests({ provider: 'demo' })).map((r) => new URL(r.url, 'http://x').searchParams.get('updated_since'));
    expect(sent.at(-1)).toBe(last250.updated_at);
    const third = (await runConfig(configId)).runs[0]!;
    expect(third, third.error ?? '').toMatchObject({ success: true, records: 0 });
    const logs = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logs.map((l) => l.data_inserted_len)).toEqual([0, 2, 250]);
    // The run that wrote nothing carries the cursor forward.
    expect(logs[0]!.incremental).toEqual(logs[1]!.incremental);
  });

  it('a second run reads last:: from the first run log and extracts only what changed', async () => {
    await resetDemo({ count: 250, updatedSinceInclusive: false });
    const { configId, extractionIds } = await addConfig(incrementalConfig());
    const first = (await runConfig(configId)).runs[0]!;
    expect(first.records).toBe(250);
    await sandbox.control.call('POST', '/demo/touch', { ids: [5, 7] });
    const second = (await runConfig(configId)).runs[0]!;
    expect(second.success, second.error ?? '').toBe(true);
    expect((await jsonRecords(second.destination!)).map((r) => r.id)).toEqual([5, 7]);
    expect(second.destination).not.toBe(first.destination);
    const third = (await runConfig(configId)).runs[0]!;
    expect(third).toMatchObject({ success: true, records: 0 });
    expect(await jsonRecords(third.destination!)).toEqual([]);
    const logs = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logs.map((l) => l.data_inserted_len)).toEqual([0, 2, 250]);
    // The empty run carries `last` forward, so the next run still starts after record 7's change.
    expect((logs[0]!.last as { id: number }).id).toBe(7);
  });

  it('after a failed run, last:: still comes from the last successful run, not the default', async () => {
    await resetDemo({ count: 250, updatedSinceInclusive: false });
    const { configId, extractionIds } = await addConfig(incrementalConfig());
    const first = (await runConfig(configId)).runs[0]!;
    expect(first, first.error ?? '').toMatchObject({ success: true, records: 250 });
    // The second run fails on its first page: its run log has no `last`.
    await sandbox.control.armFault({ provider: 'demo', path: '/more-records/records', times: 1, status: 400, body: { error: 'bad_request' } });
    const failed = (await runConfig(configId)).runs[0]!;
    expect(failed.success).toBe(false);
    await sandbox.control.call('POST', '/demo/touch', { ids: [5, 7] });
    const third = (await runConfig(configId)).runs[0]!;
    expect(third.success, third.error ?? '').toBe(true);
    // Started after the first run's last record: only the two changed since. From the default date it would be
    // all 250 again.
    expect((await jsonRecords(third.destination!)).map((r) => r.id)).toEqual([5, 7]);
    const logs = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logs.map((l) => [l.success, l.data_inserted_len])).toEqual([
      [true, 2],
      [false, 0],
      [true, 250],
    ]);
  });
});

describe("the seed's examples, unchanged", () => {
  const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(examples, name), 'utf8'));

  it('Zoho deals: token refresh from secrets, If-Modified-Since from last::, ;-separated CSV with the replace transformation', async () => {
    await resetDemo();
    for (const [k, v] of Object.entries({ zoho_refresh_token: 'demo-refresh-token', zoho_client_id: '1000.DEMO', zoho_client_secret: 'demo-secret' })) await env.deps.secrets.set(k, v, 'test');
    const { configId } = await addConfig(load('zoho-deals.json'));
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 450 });
    expect(run.destination).toMatch(new RegExp(`^s3://${env.settings.S3_DEFAULT_BUCKET}/zoho/deals/zoho_deals_.*\\.csv$`));
    const rows = csvObjects(await readS3(env.deps.s3, run.destination!), ';');
    expect(rows).toHaveLength(450);
    expect(Object.keys(rows[0]!)).toContain('owner_email');
    expect(rows.every((r) => !r.description!.includes(';'))).toBe(true);
    expect(new Set(rows.map((r) => r.id)).size).toBe(450);
    // Second run: If-Modified-Since is the last deal's Modified_Time, nothing changed since: an empty, successful run.
    const again = (await runConfig(configId)).runs[0]!;
    expect(again).toMatchObject({ success: true, records: 0 });
  });

  it('Zoho tickets: from/limit pages until the 204, into zoho/tickets/ticketsdata.csv', async () => {
    await resetDemo();
    for (const [k, v] of Object.entries({ zoho_tickets_refresh_token: 'demo-refresh-token', zoho_tickets_client_id: '1000.DEMO', zoho_tickets_client_secret: 'demo-secret' })) await env.deps.secrets.set(k, v, 'test');
    const { configId } = await addConfig(load('zoho-tickets.json'));
    const run = (await runConfig(configId)).runs[0]!;
    expect(run, run.error ?? '').toMatchObject({ success: true, records: 350, destination: `s3://${env.settings.S3_DEFAULT_BUCKET}/zoho/tickets/ticketsdata.csv` });
    const rows = csvObjects(await readS3(env.deps.s3, run.destination!), ';');
    expect(rows).toHaveLength(350);
    expect(rows[0]).toHaveProperty('contact__account__account_name');
    expect(new Set(rows.map((r) => r.id)).size).toBe(350);
  });
});

describe('durability', () => {
  /** The page number a logged demo request asked for. */
  const pageOf = (r: { url: string }): number => Number(new URL(r.url, 'http://sandbox').searchParams.get('page'));

  it('a worker killed mid-run: a new worker resumes from the last part and the file has every record exactly once', async () => {
    // 80 pages of about 415 KB: a 5 MiB part every 13 pages. A batch ends at the first part boundary after 8 s,
    // so the first one uploads several parts (one at least 2 s: pages are slowed to 150 ms) and the run
    // continues as new between batches.
    const count = 80_000;
    await resetDemo({ count });
    const body = styleConfig('more-records') as { extractions: { endpoint: { query_params: Record<string, unknown> } }[] };
    body.extractions[0]!.endpoint.query_params = { per_page: 1000 };
    const { configId, extractionIds } = await addConfig(body);
    // Slow pages, so the kill lands in the middle.
    await sandbox.control.armFault({ provider: 'demo', path: '/more-records/records', delayMs: 150, times: 10_000 });

    // A tiny history budget: the run continues as new between batches.
    const run = killableRun(configId, { batchSeconds: 8, heartbeatSeconds: 5, historyBudget: 10 });
    const startWorker = run.startWorker;
    const first = startWorker();
    const handle = await run.handle;
    const runWorkflowId = await waitFor('the child run', async () => (await handle.query(extractConfigProgressQuery)).current?.workflowId, 90_000);
    workflowIds.push(runWorkflowId);
    const child = env.client.workflow.getHandle(runWorkflowId);
    // Kill once this very attempt has uploaded a part (its heartbeat is ahead of the checkpoint its batch started
    // from, which the progress query shows) and is fetching the pages of the next one: the retry must resume
    // from the heartbeat, not from the start of the batch.
    await waitFor(
      'a part uploaded by the running batch, and pages after it',
      async () => {
        const hb = await heartbeatOf(child);
        if (!hb) return undefined;
        const batchStart = await child.query(extractRunProgressQuery);
        return hb.checkpoint.parts.length > batchStart.parts && hb.live.pages > hb.checkpoint.page.pages ? true : undefined;
      },
      90_000,
    );
    expect((await child.query(extractRunProgressQuery)).status).toBe('fetching');
    await stopWorker(first, 'SIGKILL');
    // What the server holds now is what the retry gets: every page up to `resumeAfter` is in an uploaded part.
    const resumedFrom = await heartbeatOf(child);
    expect(resumedFrom?.checkpoint.parts.length).toBeGreaterThanOrEqual(1);
    const resumeAfter = resumedFrom!.checkpoint.page.pages;
    const beforeSecond = Math.max(0, ...(await sandbox.control.requests({ provider: 'demo' })).map((r) => r.seq));

    const second = startWorker();
    try {
      const result = await handle.result();
      const run = result.runs[0]!;
      expect(run, run.error ?? '').toMatchObject({ success: true, records: count });
      const ids = (await jsonRecords(run.destination!)).map((r) => r.id);
      expect(ids.length).toBe(count);
      expect(ids).toEqual(range(count));
      const [logEntry] = await env.deps.runLogs.of(extractionIds[0]!);
      expect(logEntry).toMatchObject({ success: true, data_inserted_len: count, pages: 80 });
      // From the sandbox's request log: no page that was in an uploaded part was fetched again, and the new
      // worker's first page is the one after them. (A page the dead worker had in flight may be logged after
      // the kill too; it is one past the uploaded parts.)
      const requests = await sandbox.control.requests({ provider: 'demo', path: '/more-records/records' });
      const perPage = new Map<number, number>();
      for (const r of requests) perPage.set(pageOf(r), (perPage.get(pageOf(r)) ?? 0) + 1);
      const refetchedFromParts = range(resumeAfter).filter((p) => perPage.get(p) !== 1);
      expect(refetchedFromParts, `pages 1-${resumeAfter} were in uploaded parts`).toEqual([]);
      expect(Math.min(...requests.filter((r) => r.seq > beforeSecond).map(pageOf))).toBe(resumeAfter + 1);
      // The run continued as new at least once.
      let runs = 0;
      for await (const _ of env.client.workflow.list({ query: `WorkflowId="${runWorkflowId}"` })) runs++;
      expect(runs).toBeGreaterThanOrEqual(2);
    } finally {
      await stopWorker(second);
    }
  }, 240_000);
});

describe('determinism', () => {
  it('replays the histories of its own runs (a success, a failure, a run that continued as new) with the current workflow code', async () => {
    const bundle = workflowBundleFile(env.settings);
    // 14 pages of about 415 KB: two parts. Pages slowed to 100 ms make the first part take over the 1 s batch
    // budget, so it ends a batch, and a tiny history budget continues the run as new before the next.
    await resetDemo({ count: 14_000 });
    await sandbox.control.armFault({ provider: 'demo', path: '/more-records/records', delayMs: 100, times: 1000 });
    const body = styleConfig('more-records') as { extractions: { endpoint: { query_params: Record<string, unknown> } }[] };
    body.extractions[0]!.endpoint.query_params = { per_page: 1000 };
    const ok = await addConfig(body);
    const okResult = await runConfig(ok.configId, { historyBudget: 10 });
    await resetDemo({ switches: { lastPageTwice: true } });
    const failing = await addConfig(styleConfig('more-records'));
    const failedResult = await runConfig(failing.configId);
    expect(okResult.runs[0]!.success, okResult.runs[0]!.error ?? '').toBe(true);
    expect(failedResult.runs[0]!.success).toBe(false);
    await recordHistories(env.client, 'extract-run-continue-as-new', okResult.runs[0]!.runWorkflowId, 'extraction.test.ts: a run that ended batches and continued as new');
    // Every run of each workflow: the parents, and each child with the runs it continued as new into.
    const ids = [okResult, failedResult].flatMap((r) => [r.workflowId, ...r.runs.map((c) => c.runWorkflowId)]);
    const histories: { id: string; runId: string }[] = [];
    for (const id of ids) {
      const latest = (await env.client.workflow.getHandle(id).describe()).runId;
      const runs = await waitFor(`the runs of ${id} in visibility`, async () => {
        const found: { id: string; runId: string }[] = [];
        for await (const wf of env.client.workflow.list({ query: `WorkflowId="${id}"` })) found.push({ id, runId: wf.runId });
        return found.some((r) => r.runId === latest) ? found : undefined;
      });
      histories.push(...runs);
    }
    // Two parents, the failed child, and the successful child's two runs at least.
    expect(histories.length).toBeGreaterThanOrEqual(5);
    let replayed = 0;
    for (const h of histories) {
      const history = await env.client.workflow.getHandle(h.id, h.runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: bundle }, replayName: 'extract' }, history, h.id);
      replayed++;
    }
    expect(replayed).toBe(histories.length);
  });
});
