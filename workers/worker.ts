import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Settings } from '../config';
import { createActivities, type ActivityDeps } from '../activities';

/** The workflow sources the worker bundles (an explicit .ts path: resolution differs between tsx and vitest). */
export const workflowsPath = path.join(__dirname, '..', 'workflows', 'index.ts');

/**
 * The worker of the main task queue: workflows plus the activities that call no provider.
 * Provider queues (google, zoho, kommo, unisender, http) get their own workers with their global rate caps.
 */
export async function createMainWorker(
  settings: Settings,
  connection: NativeConnection,
  deps: ActivityDeps,
  overrides: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowsPath,
    activities: createActivities(deps),
    // SIGTERM drains: in-flight activities get this long to finish (or heartbeat) before they are cancelled.
    shutdownGraceTime: '30s',
    ...overrides,
  });
}
