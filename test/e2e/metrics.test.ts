import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { startRefreshToken } from '../../clients/tokens';
import { waitFor } from '../helpers/capture';
import { freePort } from '../helpers/free-port.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

/** Prometheus metrics of a worker process (ours and the Temporal SDK's, on the health port) and of the API. */
const CLIENT = { clientId: 'metrics-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-metrics-secret' };
let env: TestEnv;
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('metrics', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
  await sandbox.control.seed('google', { clients: [{ ...CLIENT, redirectUris: [] }] });
  await sandbox.control.seed('google', { generate: { count: 2, prefix: 'met', clientId: CLIENT.clientId } });
  await env.deps.oauthClients.upsert({ id: 'google-metrics', provider: 'google', ...CLIENT });
  await env.deps.accounts.createMany(
    [1, 2].map((i) => ({ id: `g-met-${i}`, provider: 'google' as const, oauthClientId: 'google-metrics', email: `met${i}@example.com`, refreshToken: `1//rt-met${i}` })),
  );
});
afterAll(async () => {
  await stopWorkers();
  await env.close();
  await sandbox.close();
});

/** The value of one sample (name with its labels exactly as exposed), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics', () => {
  it("a worker's /metrics counts the tokens it refreshed and carries the SDK's runtime metrics", async () => {
    const port = await freePort();
    const worker = spawnWorker({
      ...process.env,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      MONGODB_URI: env.mongoUri(),
      CREATE_SCHEDULES: 'false',
      PROVIDERS_SANDBOX_URL: sandbox.baseUrl,
      WORKER_METRICS_PORT: String(port),
    });
    try {
      const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await waitFor('worker readiness', async () => ((await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status === 200 ? true : undefined), 120_000);
      const refreshed = 'switchyard_tokens_refreshed_total{provider="google"}';
      const before = sample(await scrape(), refreshed);
      for (const id of ['g-met-1', 'g-met-2']) await (await startRefreshToken(env.client, env.settings, id, 'google')).result();
      const after = await scrape();
      expect(sample(after, refreshed) - before).toBe(2);
      // The SDK's own figures, served through the same port: polls and task latencies.
      expect(after).toMatch(/^temporal_num_pollers\{/m);
      expect(after).toMatch(/^temporal_worker_task_slots_available\{/m);
      expect(after).toMatch(/^temporal_workflow_task_schedule_to_start_latency_seconds_count\{/m);
      expect(after).toMatch(/^temporal_activity_execution_latency_seconds_count\{[^}]*activity_type="refreshAccount"[^}]*\} [1-9]/m);
      expect(after).toMatch(/^process_resident_memory_bytes /m);
    } finally {
      await stopWorker(worker);
    }
  }, 180_000);

  it("the API's /metrics has its request durations by route pattern and its process figures", async () => {
    const api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: async () => env.client });
    try {
      expect((await api.inject({ method: 'GET', url: '/api/accounts/g-met-1' })).statusCode).toBe(401);
      const res = await api.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(sample(res.body, 'switchyard_http_request_duration_seconds_count{method="GET",route="/api/accounts/:id",status="401"}')).toBeGreaterThanOrEqual(1);
      expect(res.body).not.toContain('g-met-1');
      expect(res.body).toMatch(/^process_cpu_seconds_total /m);
    } finally {
      await api.close();
    }
  }, 60_000);
});
