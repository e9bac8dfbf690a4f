import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../clients/api/server';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { lazyTemporal } from '../../clients/temporal';
import { waitFor } from '../helpers/capture';
import { freePort } from '../helpers/free-port';
import { expectMirrored, kommoBurst, spawnMirrorWorker, mirrorWorld, setUpMirror, type MirrorWorld } from '../helpers/kommo-mirror';
import { ownTemporal, type OwnTemporal } from '../helpers/own-temporal';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, testSettings, type TestEnv } from '../helpers/stack';
import { stopWorkers } from '../helpers/workers';

/**
 * A burst of about 2,000 contact events (adds, updates of the same contacts, deletes and restores) delivered by
 * Kommo's webhooks while the Temporal server is stopped for 30 s in the middle. The API keeps accepting every delivery
 * into the inbox (Kommo sees no failure, so it never disables the webhook); when Temporal is back, the worker's sweeper
 * wakes the mirror and the Unisender list ends equal to Kommo's e-mails. The file runs its own Temporal server (its
 * state in a file, so the stop is an outage and not a new server) and its own API with the production lazy client.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let temporal: OwnTemporal;
let api: FastifyInstance;
let closeTemporalClient: () => Promise<void> = async () => undefined;
let w: MirrorWorld;
let mirrorId = '';
let dir = '';
const output: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-outage-'));
  temporal = await ownTemporal(testSettings(), { dbFile: path.join(dir, 'temporal.db') });
  await temporal.start();
  env = await createTestEnv('kommo_mirror_outage', { TEMPORAL_ADDRESS: temporal.address, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  const lazy = lazyTemporal(env.settings);
  closeTemporalClient = lazy.close;
  api = await buildApi({ settings: env.settings, db: env.mongo.db, temporal: lazy.get });
  await api.listen({ host: '127.0.0.1', port });
  w = await mirrorWorld(sandbox, env, api, 'outage');
}, 180_000);

afterAll(async () => {
  if (mirrorId) await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).terminate('test over').catch(() => undefined);
  await stopWorkers();
  await api.close();
  await closeTemporalClient();
  await env.close();
  await temporal.stop('SIGKILL');
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// The sweeper's period (10 s, not 60): how soon after Temporal is back the mirror hears of what waited in the inbox.
const startWorker = (): void => {
  spawnMirrorWorker(w, output, { KOMMO_MIRROR_SWEEP_SECONDS: '10' });
};

interface KommoDelivery {
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: { status?: number }[];
}

const ROUNDS = 22;
const PER_ROUND = 40;
const OUTAGE_MS = 30_000;

describe('kommo mirror: the Temporal server stopped for 30 s in the middle of a burst', () => {
  it('accepts every delivery meanwhile and leaves the list equal to Kommo e-mails', async () => {
    startWorker();
    mirrorId = await setUpMirror(w);
    let stoppedAt = 0;
    const want = await kommoBurst(w, {
      rounds: ROUNDS,
      perRound: PER_ROUND,
      prefix: 'outage',
      output,
      midway: async () => {
        await temporal.stop('SIGTERM');
        stoppedAt = Date.now();
      },
      beforeEnd: async () => {
        // Every delivery made while Temporal was down was answered 2xx: Kommo counts none as failed, and they wait
        // in the inbox.
        const deliveries = await waitFor('the deliveries to be answered', async () => {
          const s = await sandbox.control.state<{ accounts: { deliveries: KommoDelivery[] }[] }>('kommo', { subdomain: w.subdomain });
          return s.accounts[0]!.deliveries.every((d) => d.status !== 'pending') ? s.accounts[0]!.deliveries : undefined;
        });
        expect(deliveries.filter((d) => d.status === 'failed')).toEqual([]);
        expect(deliveries.filter((d) => d.status === 'delivered').length).toBeGreaterThan(0);
        expect((await env.deps.kommo.inbox.pending(mirrorId, 10)).length).toBeGreaterThan(0);
        const left = OUTAGE_MS - (Date.now() - stoppedAt);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
        await temporal.start();
      },
    });
    expect(want.length).toBe((ROUNDS * PER_ROUND - 100) * 2);
    await expectMirrored(w, mirrorId, want, output);
  }, 900_000);
});
