import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Settings } from '../config';
import { createActivities, type ActivityDeps } from '../activities';
import { providerQueue, type ProviderQueue } from '../common/names';

/** The workflow sources the worker bundles (an explicit .ts path: resolution differs between tsx and vitest). */
export const workflowsPath = path.join(__dirname, '..', 'workflows', 'index.ts');

/**
 * Where the worker gets its workflow code: the bundle `npm run build` made (dist/workflows/bundle.js, beside the
 * compiled worker), else the sources, bundled at start (the development path: `npm start`, `npm test`).
 */
export function workflowSource(): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> {
  const prebuilt = path.join(__dirname, '..', 'workflows', 'bundle.js');
  return fs.existsSync(prebuilt) ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath };
}

type WorkflowSource = Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;

/**
 * Refreshes one worker process runs at once on each token queue. A bulk refresh with more lanes than the slots of
 * the workers polling its queue gains nothing: the extra activities wait in the Temporal server's task backlog,
 * which costs it writes and reads.
 */
export const TOKEN_QUEUE_SLOTS = 100;

/**
 * Every worker of one deployment: the main queue (workflows and store/e-mail activities) and one worker per
 * provider queue, whose maxTaskQueueActivitiesPerSecond is the provider's global quota, enforced by the
 * Temporal server across every worker process that polls that queue.
 */
export async function createWorkers(
  settings: Settings,
  connection: NativeConnection,
  deps: ActivityDeps,
  opts: { workflows?: WorkflowSource; overrides?: Partial<WorkerOptions> } = {},
): Promise<Worker[]> {
  const activities = createActivities(deps);
  const common = {
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    activities,
    // SIGTERM drains: in-flight activities get this long to finish (or heartbeat) before they are cancelled.
    shutdownGraceTime: '30s',
  } as const;
  const main = await Worker.create({
    ...common,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    ...(opts.workflows ?? workflowSource()),
    ...opts.overrides,
  });
  // Token endpoints: the provider's refresh rate; data APIs: their own rate and concurrency (a token endpoint's low
  // rate must not throttle data calls, and a burst of data calls must not starve refreshes).
  const limits: { queue: ProviderQueue; rate: number; concurrency: number }[] = [
    { queue: 'google', rate: settings.GOOGLE_TOKEN_RPS, concurrency: TOKEN_QUEUE_SLOTS },
    { queue: 'zoho', rate: settings.ZOHO_TOKEN_RPS, concurrency: TOKEN_QUEUE_SLOTS },
    { queue: 'kommo', rate: settings.KOMMO_TOKEN_RPS, concurrency: TOKEN_QUEUE_SLOTS },
    { queue: 'google-data', rate: settings.GOOGLE_DATA_RPS, concurrency: settings.GOOGLE_DATA_CONCURRENCY },
    { queue: 'zoho-data', rate: settings.ZOHO_DATA_RPS, concurrency: settings.ZOHO_DATA_CONCURRENCY },
    { queue: 'kommo-data', rate: settings.KOMMO_DATA_RPS, concurrency: settings.KOMMO_DATA_CONCURRENCY },
    { queue: 'unisender', rate: settings.UNISENDER_RPS, concurrency: settings.UNISENDER_CONCURRENCY },
  ];
  const providerWorkers = await Promise.all(
    limits.map((l) =>
      Worker.create({
        ...common,
        taskQueue: providerQueue(settings.TEMPORAL_TASK_QUEUE, l.queue),
        maxTaskQueueActivitiesPerSecond: l.rate,
        maxConcurrentActivityTaskExecutions: l.concurrency,
        ...opts.overrides,
      }),
    ),
  );
  // Generic REST extraction: page batches are few and long (heartbeating), so the cap is on activity starts.
  const http = await Worker.create({
    ...common,
    taskQueue: providerQueue(settings.TEMPORAL_TASK_QUEUE, 'http'),
    maxTaskQueueActivitiesPerSecond: settings.EXTRACT_HTTP_ACTIVITIES_PER_SECOND,
    maxConcurrentActivityTaskExecutions: 50,
    ...opts.overrides,
  });
  return [main, ...providerWorkers, http];
}

/** Runs workers together until they all stop (shutdown signal), or until fn settles when given. */
export async function runWorkers<T>(workers: Worker[], fn?: () => Promise<T>): Promise<T | undefined> {
  if (!fn) {
    await Promise.all(workers.map((w) => w.run()));
    return undefined;
  }
  const [first, ...rest] = workers;
  if (!first) return fn();
  const wrapped = rest.reduce<() => Promise<T>>((inner, w) => () => w.runUntil(inner), fn);
  return first.runUntil(wrapped);
}
