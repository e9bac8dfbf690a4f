import http from 'node:http';
import type { NativeConnection, Worker } from '@temporalio/worker';

/**
 * A worker's liveness and readiness for orchestrators (Kubernetes probes, docker compose health checks), on the
 * worker's metrics port: `/live` answers 200 while the process serves requests at all; `/ready` answers 200 when
 * every worker of the process is running and Temporal answered within the last check, else 503 with the reason.
 * `extraRoutes` adds the others (`/metrics`, workers/metrics.ts).
 */
export interface WorkerHealth {
  setWorkers(workers: Worker[]): void;
  close(): Promise<void>;
  /** The port it listens on (the configured one, or the one the system gave for 0). */
  port: number;
}

const CHECK_EVERY_MS = 10_000;

export async function startWorkerHealth(opts: { port: number; host?: string; connection: NativeConnection; extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean }): Promise<WorkerHealth> {
  let workers: Worker[] = [];
  let temporal: { ok: boolean; at: number; error?: string } = { ok: false, at: 0, error: 'not checked yet' };
  const check = async (): Promise<void> => {
    try {
      await opts.connection.workflowService.getSystemInfo({});
      temporal = { ok: true, at: Date.now() };
    } catch (err) {
      temporal = { ok: false, at: Date.now(), error: err instanceof Error ? err.message : String(err) };
    }
  };
  await check();
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  timer.unref();
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/live') return send(200, { ok: true });
    if (path === '/ready') {
      const states = workers.map((w) => w.getState());
      const running = workers.length > 0 && states.every((s) => s === 'RUNNING');
      const ok = running && temporal.ok;
      return send(ok ? 200 : 503, { ok, workers: states, temporal: temporal.ok ? 'ok' : temporal.error, checkedAt: new Date(temporal.at).toISOString() });
    }
    if (opts.extraRoutes?.(req, res)) return;
    return send(404, { error: 'not_found', message: `no route ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    setWorkers: (w) => (workers = w),
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: async () => {
      clearInterval(timer);
      await new Promise((r) => server.close(r));
    },
  };
}
