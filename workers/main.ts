import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../config';
import { buildActivityDeps } from './deps';
import { createLogger } from '../config/logger';
import { installRuntime } from './logging';
import { createMainWorker } from './worker';

/** `npm run worker`: polls the task queues until SIGTERM/SIGINT, then drains in-flight activities and exits. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger(settings, 'worker');
  installRuntime(log);
  const { deps, close } = await buildActivityDeps(settings);
  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  try {
    const worker = await createMainWorker(settings, connection, deps);
    log.info({ taskQueue: settings.TEMPORAL_TASK_QUEUE, namespace: settings.TEMPORAL_NAMESPACE }, 'worker started');
    // Runtime's default shutdown signals (SIGINT, SIGTERM) make run() resolve after draining.
    await worker.run();
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
