import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config';
import { refuseExampleKeys } from '../config/example-keys';
import { createLogger } from '../config/logger';
import { buildActivityDeps } from './deps';
import { installRuntime } from './logging';
import { startWorkerHealth } from './health';
import { sdkMetricsAddress, workerMetricsRoute } from './metrics';
import { bringSchedulesInStep } from './schedules';
import { createWorkers, runWorkers } from './worker';
import { startKommoSweeper } from './kommo-sweeper';
import { temporalConnection } from '../config/temporal';

/** `npm run worker`: polls every task queue until SIGTERM/SIGINT, then drains in-flight activities and exits. */
async function main(): Promise<void> {
  const settings = loadSettings();
  refuseExampleKeys(settings);
  const log = createLogger(settings, 'worker');
  const sdkMetrics = settings.WORKER_METRICS_PORT === undefined ? undefined : await sdkMetricsAddress();
  installRuntime(log, 'INFO', sdkMetrics ? { metricsAddress: sdkMetrics } : {});
  const { deps, close } = await buildActivityDeps(settings);
  const connection = await NativeConnection.connect(temporalConnection(settings));
  try {
    if (settings.CREATE_SCHEDULES && deps.temporal) {
      await bringSchedulesInStep({ temporal: deps.temporal, settings, configs: deps.configs, mailer: deps.mailer, log });
    }
    const health = settings.WORKER_METRICS_PORT === undefined ? null : await startWorkerHealth({ port: settings.WORKER_METRICS_PORT, connection, extraRoutes: workerMetricsRoute(sdkMetrics) });
    const workers = await createWorkers(settings, connection, deps);
    health?.setWorkers(workers);
    const sweeper = deps.temporal ? startKommoSweeper(settings, { ...deps, temporal: deps.temporal }, log) : null;
    log.info({ taskQueue: settings.TEMPORAL_TASK_QUEUE, namespace: settings.TEMPORAL_NAMESPACE, workers: workers.length }, 'worker started');
    // Runtime's default shutdown signals (SIGINT, SIGTERM) make every run() resolve after draining.
    await runWorkers(workers);
    await sweeper?.stop();
    await health?.close();
    log.info('worker stopped');
  } finally {
    await connection.close();
    await close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
