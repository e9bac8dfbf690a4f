import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeWorkflow } from '../../workflows';
import { smokePartBody } from '../../activities/smoke';
import { temporalBinary } from '../../stack/install';
import { stackPaths } from '../../stack/paths';
import { createTestEnv, unique, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

const MiB = 1024 * 1024;
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('smoke');
});
afterAll(async () => {
  await stopWorkers();
  await env.close();
});

async function readObject(key: string): Promise<Buffer> {
  const res = await env.deps.s3.send(new GetObjectCommand({ Bucket: env.settings.S3_DEFAULT_BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

function expectParts(body: Buffer, parts: number): void {
  const expected = Buffer.concat(Array.from({ length: parts }, (_, i) => smokePartBody(i + 1, parts)));
  expect(body.length).toBe(expected.length);
  expect(body.equals(expected)).toBe(true);
}

describe('smoke: a workflow on the real servers', () => {
  it('writes a MongoDB document and a multipart S3 object that the test reads back', async () => {
    const workflowId = unique('smoke');
    const key = `smoke/${workflowId}.bin`;
    const result = await env.withWorker(() =>
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue: env.taskQueue,
        workflowId,
        args: [{ note: 'hello', upload: { bucket: env.settings.S3_DEFAULT_BUCKET, key, parts: 2 } }],
      }),
    );
    expect(result).toMatchObject({ documentId: workflowId, key, attempt: 1, resumedFromPart: 1 });

    const doc = await env.mongo.db.collection('smoke_runs').findOne({ _id: workflowId as never });
    expect(doc).toMatchObject({ note: 'hello', workflowId });

    const head = await env.deps.s3.send(new HeadObjectCommand({ Bucket: env.settings.S3_DEFAULT_BUCKET, Key: key }));
    expect(head.ContentLength).toBe(5 * MiB + 1024);
    expectParts(await readObject(key), 2);
  });

  it('finishes on a new worker after the first one is killed in the middle of a heartbeating activity', async () => {
    const workflowId = unique('smoke-kill');
    const key = `smoke/${workflowId}.bin`;
    const parts = 5;
    const workerEnv = { ...process.env, TEMPORAL_TASK_QUEUE: env.taskQueue, MONGODB_URI: mongoUriFor(env), LOG_LEVEL: 'warn', CREATE_SCHEDULES: 'false' };
    const startWorker = (): ChildProcess => spawnWorker(workerEnv);

    const first = startWorker();
    const handle = await env.client.workflow.start(smokeWorkflow, {
      taskQueue: env.taskQueue,
      workflowId,
      args: [{ note: 'killed', upload: { bucket: env.settings.S3_DEFAULT_BUCKET, key, parts, pauseMsPerPart: 2000 } }],
    });

    // Wait until the upload has heartbeated at least two parts, then kill the worker without warning.
    await waitFor(async () => {
      const desc = await handle.describe();
      const pending = desc.raw.pendingActivities?.[0];
      const details = pending?.heartbeatDetails?.payloads?.[0]?.data;
      if (!details) return false;
      const progress = JSON.parse(Buffer.from(details).toString('utf8')) as { done: unknown[] };
      return progress.done.length >= 2;
    }, 90_000);
    await stopWorker(first, 'SIGKILL');

    const second = startWorker();
    try {
      const result = await handle.result();
      expect(result.attempt).toBeGreaterThanOrEqual(2);
      expect(result.resumedFromPart).toBeGreaterThanOrEqual(3);
      expectParts(await readObject(key), parts);
    } finally {
      await stopWorker(second);
    }
  }, 180_000);

  it('drains an in-flight activity when the worker gets SIGTERM, then exits cleanly', async () => {
    const workflowId = unique('smoke-drain');
    const key = `smoke/${workflowId}.bin`;
    const workerEnv = { ...process.env, TEMPORAL_TASK_QUEUE: env.taskQueue, MONGODB_URI: mongoUriFor(env), LOG_LEVEL: 'warn', CREATE_SCHEDULES: 'false' };
    const worker = spawnWorker(workerEnv);
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    const handle = await env.client.workflow.start(smokeWorkflow, {
      taskQueue: env.taskQueue,
      workflowId,
      args: [{ note: 'drain', upload: { bucket: env.settings.S3_DEFAULT_BUCKET, key, parts: 3, pauseMsPerPart: 1500 } }],
    });
    await waitFor(async () => Boolean((await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails), 60_000);
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The upload finished inside the grace period: a second worker only has to complete the workflow.
    const second = spawnWorker(workerEnv);
    try {
      const result = await handle.result();
      expect(result).toMatchObject({ attempt: 1, resumedFromPart: 1 });
      expectParts(await readObject(key), 3);
    } finally {
      await stopWorker(second);
    }
  }, 120_000);

  it('is seen by `temporal workflow list` of the installed CLI', async () => {
    const workflowId = unique('smoke-cli');
    await env.withWorker(() =>
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue: env.taskQueue,
        workflowId,
        args: [{ note: 'cli', upload: { bucket: env.settings.S3_DEFAULT_BUCKET, key: `smoke/${workflowId}.bin`, parts: 1 } }],
      }),
    );
    const temporal = temporalBinary(stackPaths(env.settings), () => undefined);
    // Visibility is eventually consistent: poll briefly.
    let rows: { execution?: { workflowId?: string }; status?: string }[] = [];
    await waitFor(async () => {
      const { stdout } = await promisify(execFile)(temporal, [
        'workflow', 'list', '--address', env.settings.TEMPORAL_ADDRESS, '--namespace', env.settings.TEMPORAL_NAMESPACE,
        '--query', `WorkflowId="${workflowId}"`, '--output', 'json',
      ]);
      rows = stdout.trim() ? (JSON.parse(stdout) as typeof rows) : [];
      return rows.length > 0;
    }, 30_000);
    expect(rows[0]?.execution?.workflowId).toBe(workflowId);
    expect(String(rows[0]?.status)).toMatch(/COMPLETED/);
  });
});

function mongoUriFor(e: TestEnv): string {
  const u = new URL(e.settings.MONGODB_URI);
  u.pathname = `/${e.mongo.db.databaseName}`;
  return u.toString();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
