import { execFile } from 'node:child_process';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kommoMirrorWorkflowId } from '../../clients/kommo';
import { waitFor } from '../helpers/capture';
import { recordHistories } from '../helpers/histories';
import { freePort } from '../helpers/free-port';
import { kommoEmails, listEmails, mirrorIdle, mirrorWorld, setUpMirror, startApi, type MirrorWorld } from '../helpers/kommo-mirror';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';

/**
 * The full sync is a phase of the mirror's workflow: it lists every Kommo contact (order by id, 250 a page, two
 * pages a batch) into 500-row imports, shows its progress in the status query and the CLI's progress bar, and a
 * workflow that ends in the middle (terminated here) resumes from the page it stood at.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
let api: FastifyInstance;
let stop: (() => void) | undefined;
let running: Promise<unknown> | undefined;
const mirrors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  const port = await freePort();
  env = await createTestEnv('kommo_full_sync', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl, API_PORT: port, KOMMO_WEBHOOK_BASE_URL: `http://127.0.0.1:${port}` });
  api = await startApi(env);
  running = env.withWorker(() => new Promise<void>((resolve) => (stop = resolve)));
});
afterAll(async () => {
  for (const id of mirrors) await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, id)).terminate('test over').catch(() => undefined);
  stop?.();
  await running;
  await api.close();
  await env.close();
  await sandbox.close();
});

const cli = (w: MirrorWorld, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
  new Promise((resolve) => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'switchyard.js');
    const childEnv = { ...process.env, MONGODB_URI: env.mongoUri(), TEMPORAL_TASK_QUEUE: env.taskQueue, PROVIDERS_SANDBOX_URL: sandbox.baseUrl, KOMMO_WEBHOOK_BASE_URL: w.apiUrl, LOG_LEVEL: 'warn' };
    execFile(process.execPath, [bin, ...args], { env: childEnv, timeout: 240_000 }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
  });

const contactReads = async (w: MirrorWorld, since = 0) =>
  (await sandbox.control.requests({ provider: 'kommo', method: 'GET', path: `/kommo/${w.subdomain}/api/v4/contacts`, since })).map((r) => decodeURIComponent(r.url));

describe('kommo mirror: full sync', () => {
  it('`switchyard kommo full-sync --wait` lists contacts Kommo never announced into the list, in full imports and pages', async () => {
    const w = await mirrorWorld(sandbox, env, api, 'fullcli', { generate: 1100 });
    const mirrorId = await setUpMirror(w);
    mirrors.push(mirrorId);
    await mirrorIdle(w, mirrorId);
    const importsBefore = (await sandbox.control.requests({ provider: 'unisender', path: 'importContacts' })).length;
    const out = await cli(w, ['kommo', 'full-sync', mirrorId, '--wait']);
    expect(out.stderr).not.toMatch(/Error/);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('full sync asked of');
    const stored = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { full: { active: boolean; contacts: number; batches: number } };
    expect(stored.full).toMatchObject({ active: false, contacts: 1100, batches: 3 });
    const want = await kommoEmails(w);
    expect(want).toHaveLength(1100);
    await waitFor('the list to equal Kommo', async () => JSON.stringify(await listEmails(w, mirrorId)) === JSON.stringify(want), 60_000);
    // 1,100 contacts: five pages of 250 in three batches, and three imports (500, 500, 100 rows).
    expect((await contactReads(w)).filter((u) => u.includes('order[id]=asc') || u.includes('page='))).toHaveLength(5);
    expect((await sandbox.control.requests({ provider: 'unisender', path: 'importContacts' })).length - importsBefore).toBe(3);
    await recordHistories(env.client, 'kommo-mirror-full-sync', kommoMirrorWorkflowId(env.settings, mirrorId), 'kommo-mirror-full-sync.test.ts: setup, then a full sync of 1,100 contacts asked from the CLI');
  }, 300_000);

  it('shows its progress in the status query, and resumes from its page after the workflow ended mid-way', async () => {
    const w = await mirrorWorld(sandbox, env, api, 'fullresume', { generate: 6000 });
    const mirrorId = await setUpMirror(w);
    mirrors.push(mirrorId);
    await mirrorIdle(w, mirrorId);
    await w.service.signal(mirrorId, 'fullSync');
    const mid = await waitFor('the full sync half-way', async () => {
      const s = (await w.service.status(mirrorId)).status;
      return s && s.full.active && s.full.contacts >= 1000 ? s : undefined;
    }, 120_000);
    expect(mid.full.contacts).toBeLessThan(6000);
    await env.client.workflow.getHandle(kommoMirrorWorkflowId(env.settings, mirrorId)).terminate('a crash mid-way');
    const stoppedAt = (await sandbox.control.requests({})).at(-1)?.seq ?? 0;
    const stored = (await env.deps.kommo.progress.get(mirrorId)).full;
    expect(stored.active).toBe(true);
    await w.service.signal(mirrorId, 'wake', { entries: 0 });
    await waitFor('the full sync to end', async () => !(await env.deps.kommo.progress.get(mirrorId)).full.active, 180_000);
    // Resumed at its page: no listing started from the first page again.
    const after = await contactReads(w, stoppedAt);
    expect(after.filter((u) => u.includes('order[id]=asc') && !u.includes('page='))).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(24 - stored.batches * 2 + 2);
    const want = await kommoEmails(w);
    await waitFor('the list to equal Kommo', async () => JSON.stringify(await listEmails(w, mirrorId)) === JSON.stringify(want), 120_000);
    expect((await env.deps.kommo.progress.get(mirrorId)).full).toMatchObject({ active: false, contacts: 6000 });
  }, 400_000);
});
