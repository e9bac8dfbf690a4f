import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { freePort } from '../helpers/free-port';
import { expectMirrored, kommoBurst, spawnMirrorWorker, mirrorWorld, setUpMirror, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';
import { stopWorker, stopWorkers } from '../helpers/workers';

/**
 * A burst of 2,060 contact events (adds, then updates of the same contacts, then deletes) delivered by Kommo's
 * webhooks while the only worker process is killed half-way: the next worker finishes the open batch, drains the
 * inbox, and the Unisender list ends equal to Kommo's e-mails, without a single 429 from Kommo.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let w: MirrorWorld;
let mirrorId = '';
const output: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_mirror_crash', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  api = await startApi(env);
  w = await mirrorWorld(sandbox, env, api, 'crash');
});
afterAll(async () => {
  if (mirrorId) await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).terminate('test over').catch(() => undefined);
  await stopWorkers();
  await api.close();
  await env.close();
  await sandbox.close();
});

const startWorker = (): ChildProcess => spawnMirrorWorker(w, output);

const ROUNDS = 22;
const PER_ROUND = 40;

describe('kommo mirror: a worker killed in the middle of a burst', () => {
  it('leaves the list equal to Kommo e-mails, nothing lost, Kommo never at its limit', async () => {
    let worker = startWorker();
    mirrorId = await setUpMirror(w);
    // 22 rounds of 40 adds and 40 updates, the worker killed after the first import; then 300 deletes and restores
    // while no worker runs, and a new worker.
    const want = await kommoBurst(w, {
      rounds: ROUNDS,
      perRound: PER_ROUND,
      prefix: 'burst',
      output,
      midway: () => stopWorker(worker, 'SIGKILL'),
      beforeEnd: async () => {
        worker = startWorker();
      },
    });
    expect(want.length).toBe((ROUNDS * PER_ROUND - 100) * 2);
    await expectMirrored(w, mirrorId, want, output);
    await stopWorker(worker);
  }, 600_000);
});
