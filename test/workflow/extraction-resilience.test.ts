import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedRequest } from '../../sandbox/requests';
import { extractRunProgressQuery } from '../../workflows/extraction';
import { readS3 } from '../helpers/extraction';
import { addConfig, runConfig } from '../helpers/extraction-runs';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

// A 429 or 5xx on page N is retried inside the page-fetching activity; pages before it are never fetched again,
// not even when the in-activity budget is spent and Temporal retries the activity.
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  sandbox = await startSandbox();
  // One retry inside the activity, so a third failure in a row spends the budget and leaves the activity.
  env = await createTestEnv('extract-retry', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, EXTRACT_BATCH_SECONDS: 1, EXTRACT_REQUEST_RETRIES: 1 });
});

afterAll(async () => {
  await env.close();
  await sandbox.close();
});

const config = (perPage = 25): unknown => ({
  name: 'retry',
  extractions: [
    {
      name: 'records',
      endpoint: { url: `${sandbox.baseUrl}/demo/api/more-records/records`, query_params: { per_page: perPage } },
      data_key: 'data',
      format: 'json',
      pagination: { type: 'sequential', parameters: { param_name: 'page', start_from: 1, there_are_more_pages: 'info.more_records' } },
    },
  ],
});

async function reset(): Promise<void> {
  await sandbox.control.resetProvider('demo');
  await sandbox.control.clearFaults();
  await sandbox.control.call('DELETE', '/requests');
  await sandbox.control.configure('demo', { count: 250 });
}

/** Pages (by their page param) that the API answered with 200 more than once. */
function refetched(requests: ReceivedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    if (r.status !== 200) continue;
    const p = new URL(r.url, 'http://x').searchParams.get('page') ?? '?';
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([p]) => p);
}

const ids = async (uri: string): Promise<number[]> => (JSON.parse(await readS3(env.deps.s3, uri)) as { id: number }[]).map((r) => r.id);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('retries that never re-fetch a page', () => {
  it('a 503 on page 6 is retried inside the activity: one attempt, every page answered once', async () => {
    await reset();
    await sandbox.control.armFault({ provider: 'demo', path: '/[?&]page=6$/', times: 1, status: 503 });
    const { configId } = await addConfig(env, config());
    const run = await env.withWorker(async () => (await runConfig(env, configId)).runs[0]!);
    expect(run.success, run.error ?? '').toBe(true);
    expect(await ids(run.destination!)).toEqual(range(250));
    const requests = await sandbox.control.requests({ provider: 'demo', path: '/more-records/records' });
    expect(requests.filter((r) => /[?&]page=6$/.test(r.url)).map((r) => r.status)).toEqual([503, 200]);
    expect(refetched(requests)).toEqual([]);
  });

  it('a page failing past the in-activity budget: the next attempt goes on from that page, not from the last part', async () => {
    await reset();
    // Three 503s in a row on page 6: the activity retries once, leaves, and Temporal's retry must resume at page 6.
    await sandbox.control.armFault({ provider: 'demo', path: '/[?&]page=6$/', times: 3, status: 503 });
    const { configId } = await addConfig(env, config());
    const run = await env.withWorker(async () => (await runConfig(env, configId)).runs[0]!);
    expect(run.success, run.error ?? '').toBe(true);
    expect(await ids(run.destination!)).toEqual(range(250));
    const requests = await sandbox.control.requests({ provider: 'demo', path: '/more-records/records' });
    expect(requests.filter((r) => /[?&]page=6$/.test(r.url)).map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(refetched(requests)).toEqual([]);
  });

  it('a run of several batches: the page read ahead when a batch ends is not fetched again by the next batch', async () => {
    await reset();
    // About 12 MiB of JSON: three 5 MiB parts, and with a budget of 1 ms every part ends a batch.
    await sandbox.control.configure('demo', { count: 50_000 });
    const { configId } = await addConfig(env, config(100));
    const { run, progress } = await env.withWorker(async () => {
      const r = (await runConfig(env, configId, { batchSeconds: 0.001 })).runs[0]!;
      return { run: r, progress: await env.client.workflow.getHandle(r.runWorkflowId).query(extractRunProgressQuery) };
    });
    expect(run.success, run.error ?? '').toBe(true);
    expect(progress.batches).toBeGreaterThan(1);
    expect(await ids(run.destination!)).toEqual(range(50_000));
    expect(refetched(await sandbox.control.requests({ provider: 'demo', path: '/more-records/records' }))).toEqual([]);
  });
});

describe('one access token per refresh token, shared by the runs', () => {
  // Zoho grants 10 tokens per refresh token in 10 minutes: a config of 11 extractions refreshing once each is throttled.
  const zohoConfig = (extractions: number): unknown => ({
    name: 'zoho many',
    auth: {
      refresh_token: {
        endpoint: { url: `${sandbox.baseUrl}/demo/zoho/oauth/v2/token`, query_params: { refresh_token: '${secret::zoho_rt}', grant_type: 'refresh_token' } },
        response_token_key: 'access_token',
      },
    },
    extractions: Array.from({ length: extractions }, (_, i) => ({
      name: `deals ${i + 1}`,
      endpoint: { url: `${sandbox.baseUrl}/demo/zoho/crm/v2/deals`, headers: { Authorization: 'Zoho-oauthtoken ${self::auth.access_token}' }, query_params: { per_page: 200 } },
      data_key: 'data',
      format: 'json',
      pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
    })),
  });

  it('11 extractions of a config ask the token endpoint once; a 401 mid-run renews it once for all', async () => {
    await reset();
    await sandbox.control.configure('demo', { auth: { required: true }, zoho: { deals: 30 } });
    await env.deps.secrets.set('zoho_rt', 'demo-refresh-token', 'test');
    const { configId } = await addConfig(env, zohoConfig(11));
    // A 401 on the 5th extraction's page: the token is renewed once and the extractions after it use the new one.
    await sandbox.control.armFault({ provider: 'demo', path: '/crm/v2/deals', after: 4, times: 1, status: 401, body: { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' } });
    const result = await env.withWorker(async () => runConfig(env, configId));
    expect(result.runs.map((r) => [r.success, r.error])).toEqual(result.runs.map(() => [true, null]));
    const grants = await sandbox.control.requests({ provider: 'demo', path: '/zoho/oauth/v2/token' });
    expect(grants.map((g) => g.status)).toEqual([200, 200]);
    // A second run of the config within the token's life asks for none.
    const again = await env.withWorker(async () => runConfig(env, configId));
    expect(again.runs.every((r) => r.success)).toBe(true);
    expect(await sandbox.control.requests({ provider: 'demo', path: '/zoho/oauth/v2/token' })).toHaveLength(2);
  });

  it("Zoho's throttling of the token endpoint is waited out, never taken for a revoked token", async () => {
    await reset();
    await sandbox.control.configure('demo', { auth: { required: true }, zoho: { deals: 30 } });
    await env.deps.secrets.set('zoho_rt', 'demo-refresh-token', 'test');
    const { configId } = await addConfig(env, zohoConfig(1));
    await sandbox.control.armFault({
      provider: 'demo',
      path: '/zoho/oauth/v2/token',
      times: 1,
      status: 400,
      // Zoho names no delay; the fault's Retry-After keeps the test short (without one the retry waits a minute).
      retryAfter: 1,
      body: { error: 'Access Denied', error_description: 'You have made too many requests continuously. Please try again after some time.', status: 'failure' },
    });
    const run = await env.withWorker(async () => (await runConfig(env, configId)).runs[0]!);
    expect(run.success, run.error ?? '').toBe(true);
    const grants = await sandbox.control.requests({ provider: 'demo', path: '/zoho/oauth/v2/token' });
    expect(grants.map((g) => g.status)).toEqual([400, 200]);
  });
});


describe('a run keeps what it fetched', () => {
  // The seed's Zoho deals config, shortened: Modified_Time order, If-Modified-Since from last::, page numbers.
  const dealsConfig = (): unknown => ({
    name: 'zoho deals',
    extractions: [
      {
        name: 'deals',
        endpoint: {
          url: `${sandbox.baseUrl}/demo/zoho/crm/v2/deals`,
          headers: { 'If-Modified-Since': '${last::Modified_Time, 2000-01-01T00:00:00+00:00}' },
          query_params: { per_page: 200, sort_by: 'Modified_Time', sort_order: 'asc' },
        },
        data_key: 'data',
        format: 'json',
        pagination: { type: 'sequential', parameters: { param_name: 'page', there_are_more_pages: 'info.more_records' } },
      },
    ],
  });

  it("past Zoho's 2,000-record page limit: the run publishes its 2,000 deals as partial, says why, and the next run goes on after them", async () => {
    await reset();
    await sandbox.control.configure('demo', { zoho: { deals: 2500 } });
    const { configId, extractionIds } = await addConfig(env, dealsConfig());
    const [first, second] = await env.withWorker(async () => [(await runConfig(env, configId)).runs[0]!, (await runConfig(env, configId)).runs[0]!]);
    expect(first).toMatchObject({ success: false, partial: true, records: 2000 });
    expect(first.error).toContain('DISCRETE_PAGINATION_LIMIT_EXCEEDED');
    expect(second, second!.error ?? '').toMatchObject({ success: true, records: 500 });
    const dealIds = async (uri: string): Promise<string[]> => (JSON.parse(await readS3(env.deps.s3, uri)) as { id: string }[]).map((d) => d.id);
    const all = [...(await dealIds(first!.destination!)), ...(await dealIds(second!.destination!))];
    expect(all).toHaveLength(2500);
    expect(new Set(all).size).toBe(2500);
    const logs = await env.deps.runLogs.of(extractionIds[0]!);
    expect(logs.map((l) => [l.success, l.partial, l.data_inserted_len])).toEqual([
      [true, false, 500],
      [false, true, 2000],
    ]);
    expect(logs[1]!.error).toContain('DISCRETE_PAGINATION_LIMIT_EXCEEDED');
    expect(logs[1]!.destiny).toBe(first!.destination);
  });
});
