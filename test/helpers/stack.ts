import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { NativeConnection, Runtime, DefaultLogger, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadSettings, type Settings } from '../../config';
import { connectMongo, type Mongo } from '../../store/mongo';
import { s3Client } from '../../store/s3';
import { createActivities, type ActivityDeps } from '../../activities';
import { stackPaths } from '../../stack/paths';

let runtimeInstalled = false;

/** Settings of the stack the global setup brought up, with a test-only database and task queue. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...loadSettings(), LOG_LEVEL: 'warn', ...overrides };
}

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestEnv {
  settings: Settings;
  mongo: Mongo;
  deps: ActivityDeps;
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  /** Runs a worker on this env's task queue for the duration of fn. */
  withWorker<T>(fn: () => Promise<T>, options?: Partial<WorkerOptions>): Promise<T>;
  close(): Promise<void>;
}

/** A per-file environment: its own database, its own task queue, a client and a native connection. */
export async function createTestEnv(name: string, overrides: Partial<Settings> = {}): Promise<TestEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const taskQueue = unique(`test-${name}`);
  const settings = testSettings({ TEMPORAL_TASK_QUEUE: taskQueue, ...overrides });
  const mongo = await connectMongo(settings, unique(`test_${name}`).replace(/-/g, '_'));
  const s3 = s3Client(settings);
  const deps: ActivityDeps = { settings, db: mongo.db, s3 };
  const clientConnection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: settings.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
  const bundle = path.join(stackPaths(settings).root, 'cache', 'workflow-bundle.js');
  return {
    settings,
    mongo,
    deps,
    client,
    connection,
    taskQueue,
    async withWorker(fn, options = {}) {
      const worker = await Worker.create({
        connection,
        namespace: settings.TEMPORAL_NAMESPACE,
        taskQueue,
        workflowBundle: { codePath: bundle },
        activities: createActivities(deps),
        shutdownGraceTime: '5s',
        ...options,
      });
      return worker.runUntil(fn);
    },
    async close() {
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
      s3.destroy();
      await clientConnection.close();
      await connection.close();
    },
  };
}
