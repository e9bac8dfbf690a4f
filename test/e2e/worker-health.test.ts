import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/capture';
import { createTestEnv, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';
import { freePort } from '../helpers/free-port.js';

/** A worker process answers liveness and readiness on its metrics port, for orchestrators. */
let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('worker_health');
});
afterAll(async () => {
  await stopWorkers();
  await env.close();
});


describe('worker health', () => {
  it('/live answers while the process runs; /ready once every worker polls and Temporal answers', async () => {
    const port = await freePort();
    const worker = spawnWorker({ ...process.env, TEMPORAL_TASK_QUEUE: env.taskQueue, MONGODB_URI: env.mongoUri(), CREATE_SCHEDULES: 'false', WORKER_METRICS_PORT: String(port) });
    try {
      const url = (p: string): string => `http://127.0.0.1:${port}${p}`;
      const ready = await waitFor('readiness', async () => {
        const res = await fetch(url('/ready'));
        return res.status === 200 ? ((await res.json()) as { ok: boolean; workers: string[]; temporal: string }) : undefined;
      }, 120_000);
      expect(ready.ok).toBe(true);
      expect(ready.temporal).toBe('ok');
      expect(ready.workers.length).toBeGreaterThanOrEqual(6);
      expect(ready.workers.every((s) => s === 'RUNNING')).toBe(true);
      expect((await fetch(url('/live'))).status).toBe(200);
      expect((await fetch(url('/nope'))).status).toBe(404);
    } finally {
      await stopWorker(worker);
    }
  }, 180_000);
});
