import { Connection } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../config';
import { httpAnswer } from './addresses';
import { tsEntry } from './proc';
import type { ServiceDef } from './services';
import { temporalConnection } from '../config/temporal';

/**
 * Switchyard's own processes that `npm start` runs beside the servers, with the settings' sandbox URL. The sandbox
 * runs on loopback, so the local stack lets extraction configs reach loopback (unless the environment says otherwise).
 */
function childEnv(s: Settings): NodeJS.ProcessEnv {
  return { EXTRACT_ALLOW_LOOPBACK: 'true', ...process.env, ...(s.PROVIDERS_SANDBOX_URL ? { PROVIDERS_SANDBOX_URL: s.PROVIDERS_SANDBOX_URL } : {}) };
}

// A polling worker asks again as soon as a long poll ends (the server holds one for up to ~60 s), so a last poll
// older than that is a worker that is gone.
const POLLED_WITHIN_MS = 90_000;

/** Identities ("pid@host") of the workers that polled the workflow task queue lately. */
async function recentPollers(s: Settings): Promise<string[]> {
  const conn = await Connection.connect({ ...temporalConnection(s), connectTimeout: 2000 });
  try {
    const res = await conn.workflowService.describeTaskQueue({ namespace: s.TEMPORAL_NAMESPACE, taskQueue: { name: s.TEMPORAL_TASK_QUEUE } });
    const since = Date.now() - POLLED_WITHIN_MS;
    return (res.pollers ?? [])
      .filter((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= since)
      .map((p) => p.identity ?? '?');
  } finally {
    await conn.close();
  }
}

export const worker: ServiceDef = {
  name: 'worker',
  title: 'a Switchyard worker',
  url: (s) => `task queue ${s.TEMPORAL_TASK_QUEUE}`,
  // At start it bundles the workflow code (webpack), which takes a while on two cores.
  startTimeoutMs: 180_000,
  isUp: async (s) => (await recentPollers(s)).length > 0,
  address: () => null,
  whoRuns: async (s) => `polled by ${(await recentPollers(s)).join(', ')}`,
  spec(s, p) {
    const [cmd, args] = tsEntry(p.repo, 'workers/main.ts');
    // The worker drains in-flight activities for up to 30 s on SIGTERM.
    return { process: { name: 'worker', cmd, args, cwd: p.repo, env: childEnv(s), stopGraceMs: 35_000 }, detail: `logs ${p.logs}/worker.log` };
  },
};

/** The API's GET /health body: any answer in this shape is ours, whatever its status (503 while a dependency is down). */
const healthBody = z.object({ ok: z.boolean(), checks: z.array(z.object({ name: z.string(), ok: z.boolean() })) });

// GET /health checks Temporal, MongoDB and S3 with 2 s connect timeouts each, side by side.
const HEALTH_TIMEOUT_MS = 5000;
const healthUrl = (s: Settings): string => `http://127.0.0.1:${s.API_PORT}/health`;

export const api: ServiceDef = {
  name: 'api',
  title: "Switchyard's API",
  url: (s) => `http://127.0.0.1:${s.API_PORT}`,
  startTimeoutMs: 60_000,
  async isUp(s) {
    const answer = await httpAnswer(healthUrl(s), HEALTH_TIMEOUT_MS);
    return answer !== undefined && healthBody.safeParse(answer.body).success;
  },
  address: (s) => ({ host: '127.0.0.1', port: s.API_PORT, what: 'HTTP', setting: 'API_PORT' }),
  async foreign(s) {
    const answer = await httpAnswer(healthUrl(s), HEALTH_TIMEOUT_MS);
    return answer ? `GET /health answered ${answer.status} without Switchyard's health checks` : undefined;
  },
  async whoRuns(s) {
    const answer = await httpAnswer(healthUrl(s), HEALTH_TIMEOUT_MS);
    const body = healthBody.safeParse(answer?.body);
    if (!answer || !body.success) return 'answers';
    const down = body.data.checks.filter((c) => !c.ok).map((c) => c.name);
    return `GET /health ${answer.status}${down.length ? ` (down: ${down.join(', ')})` : ''}`;
  },
  spec(s, p) {
    const [cmd, args] = tsEntry(p.repo, 'clients/api/main.ts');
    return { process: { name: 'api', cmd, args, cwd: p.repo, env: childEnv(s) }, detail: `logs ${p.logs}/api.log` };
  },
};
