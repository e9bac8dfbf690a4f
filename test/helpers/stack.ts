import { randomUUID } from 'node:crypto';
import { NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { DestinationStream } from 'pino';
import { loadSettings, type Settings } from '../../config';
import type { ActivityDeps } from '../../activities';
import type { Mongo } from '../../store/mongo';
import { buildActivityDeps } from '../../workers/deps';
import { createLogger } from '../../config/logger';
import { installRuntime } from '../../workers/logging';
import { createWorkers, runWorkers } from '../../workers/worker';
import { workflowBundleFile } from './bundle';
import { CapturedLog } from './capture';
import { temporalConnection } from '../../config/temporal';

let runtimeInstalled = false;
/**
 * The Temporal SDK's own log lines (workflow and activity logs, "Activity failed" warnings with their error
 * chains) of this test process, at the level the production worker uses, through the same logger and scrubbing
 * as production: the "no secret in any log" checks scan them.
 */
export const sdkLog = new CapturedLog();

/** Settings of the stack the global setup brought up, quiet, with per-test overrides. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  // The sandbox runs on loopback: the local stack lets extraction configs reach it.
  return { ...loadSettings(), LOG_LEVEL: 'warn', CREATE_SCHEDULES: false, EXTRACT_ALLOW_LOOPBACK: true, ...overrides };
}

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestEnv {
  settings: Settings;
  mongo: Pick<Mongo, 'db'>;
  deps: ActivityDeps;
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  /** Runs this env's workers (main queue and provider queues) for the duration of fn. */
  withWorker<T>(fn: () => Promise<T>, options?: Partial<WorkerOptions>): Promise<T>;
  /** MONGODB_URI of this env's database, for worker processes a test spawns. */
  mongoUri(): string;
  close(): Promise<void>;
}

/** A per-file environment: its own database, its own task queues, a client and a native connection. */
export async function createTestEnv(name: string, overrides: Partial<Settings> = {}, opts: { logDestination?: DestinationStream } = {}): Promise<TestEnv> {
  if (!runtimeInstalled) {
    installRuntime(createLogger({ LOG_LEVEL: 'info' }, 'sdk', sdkLog), 'INFO');
    runtimeInstalled = true;
  }
  const taskQueue = unique(`test-${name}`);
  const settings = testSettings({ TEMPORAL_TASK_QUEUE: taskQueue, ...overrides });
  const { deps, db, close } = await buildActivityDeps(settings, { dbName: unique(`test_${name}`).replace(/-/g, '_'), ...opts });
  const clientConnection = await Connection.connect(temporalConnection(settings));
  const client = new Client({ connection: clientConnection, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect(temporalConnection(settings));
  const bundle = workflowBundleFile(settings);
  return {
    settings,
    mongo: { db },
    deps,
    client,
    connection,
    taskQueue,
    async withWorker(fn, options = {}) {
      const workers = await createWorkers(settings, connection, deps, {
        workflows: { workflowBundle: { codePath: bundle } },
        overrides: { shutdownGraceTime: '5s', ...options },
      });
      return (await runWorkers(workers, fn)) as Awaited<ReturnType<typeof fn>>;
    },
    mongoUri() {
      const u = new URL(settings.MONGODB_URI);
      u.pathname = `/${db.databaseName}`;
      return u.toString();
    },
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await close();
      await clientConnection.close();
      await connection.close();
    },
  };
}
