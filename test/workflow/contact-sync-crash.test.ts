import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdOf } from '../../providers/google/mapper';
import { waitFor } from '../helpers/capture';
import { LINK_FIELD, cycleDone, emailOf, googleContacts, lastSeq, seedGoogle, seedZoho, stopPairings, syncWorld, zohoContacts, type SyncWorld } from '../helpers/contact-sync';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';
import { createTestEnv, type TestEnv } from '../helpers/stack';
import { spawnWorker, stopWorker, stopWorkers } from '../helpers/workers';

/**
 * A worker process killed while a provider holds a create it will accept: the create lands with nobody left to
 * record its answer. The next worker must finish the cycle without a second copy of any contact, on either side.
 */
let sandbox: RunningSandbox;
let env: TestEnv;
const output: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  env = await createTestEnv('contact_sync_crash', { PROVIDERS_SANDBOX_URL: sandbox.baseUrl });
});
afterAll(async () => {
  await stopPairings(env).catch(() => undefined);
  await stopWorkers();
  await env.close();
  await sandbox.close();
});

const startWorker = (): ChildProcess => {
  const child = spawnWorker(
    { ...process.env, TEMPORAL_TASK_QUEUE: env.taskQueue, MONGODB_URI: env.mongoUri(), PROVIDERS_SANDBOX_URL: sandbox.baseUrl, CREATE_SCHEDULES: 'false', LOG_LEVEL: 'warn' },
    ['ignore', 'pipe', 'pipe'],
  );
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return child;
};

const names = (tag: string): string[] => ['ada', 'ben', 'cy'].map((n) => `${n}-${tag}@example.com`);

describe('a worker killed between a provider accepting a create and the link being written', () => {
  it('leaves no duplicate on Google nor in Zoho', async () => {
    // toGoogle: three Zoho contacts to create in Google; toZoho: three Google contacts to create in Zoho.
    const toGoogle: SyncWorld = await syncWorld(sandbox, env, 'crashg');
    const toZoho: SyncWorld = await syncWorld(sandbox, env, 'crashz');
    await seedZoho(sandbox, toGoogle, names('g').map((e) => ({ Last_Name: e.slice(0, e.indexOf('@')), Email: e })));
    await seedGoogle(sandbox, toZoho, names('z').map((e) => ({ names: [{ familyName: e.slice(0, e.indexOf('@')) }], emailAddresses: [{ value: e }] })));
    // Each provider carries out the create, then holds its answer 8 s: long enough to kill the worker while it waits.
    await sandbox.control.armFault({ provider: 'google', method: 'POST', path: 'batchCreateContacts', answerDelayMs: 8000 });
    await sandbox.control.armFault({ provider: 'zoho', method: 'POST', path: '/Contacts/upsert', answerDelayMs: 8000 });

    const first = startWorker();
    for (const [w, id] of [[toGoogle, 'crash-g'], [toZoho, 'crash-z']] as const) {
      await w.service.create({ id, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' }, policy: { deletion: 'delete' }, intervalSeconds: 3600 }, 'test');
    }
    await waitFor('both creates held by the providers', async () => (await sandbox.control.call<unknown[]>('GET', '/faults')).length === 0, 180_000);
    await stopWorker(first, 'SIGKILL');
    const killedAt = await lastSeq(sandbox);
    // The creates were carried out; nobody is left to read their answers.
    await waitFor('the creates carried out', async () => (await googleContacts(sandbox, toGoogle)).length === 3 && (await zohoContacts(sandbox, toZoho)).length === 3, 30_000);
    // The links were stored before the writes, each still waiting for its created side.
    expect((await env.deps.links.all('crash-g')).filter((l) => l.googleId === undefined)).toHaveLength(3);
    expect((await env.deps.links.all('crash-z')).filter((l) => l.zohoId === undefined)).toHaveLength(3);

    startWorker();
    // Cycle 1 ends once Temporal gives up on the dead worker's attempt (its heartbeat timeout) and retries it.
    for (const [w, id] of [[toGoogle, 'crash-g'], [toZoho, 'crash-z']] as const) {
      const s = await cycleDone(w, id, 1, 300_000);
      expect(s.lastError, output.join('')).toBeNull();
      await w.service.signal(id, 'resync');
      expect((await cycleDone(w, id, 2, 120_000)).lastError).toBeNull();
    }

    // After the kill Google got no create: the repeated batch found the contacts carrying its link ids. Zoho got
    // it again: the repeat is an upsert on the link id field, which updated what the first one made.
    expect(await sandbox.control.requests({ provider: 'google', path: 'batchCreateContacts', since: killedAt })).toHaveLength(0);
    expect(await sandbox.control.requests({ provider: 'zoho', path: '/Contacts/upsert', since: killedAt })).toHaveLength(1);
    const people = await googleContacts(sandbox, toGoogle);
    expect(people.map(emailOf).sort()).toEqual(names('g'));
    const gLinks = await env.deps.links.all('crash-g');
    expect(gLinks).toHaveLength(3);
    for (const p of people) expect(gLinks.find((l) => l.googleId === p.resourceName)?.linkId).toBe(linkIdOf(p, 'switchyard:crash-g'));
    expect((await zohoContacts(sandbox, toGoogle)).length).toBe(3);

    const crm = await zohoContacts(sandbox, toZoho);
    expect(crm.map(emailOf).sort()).toEqual(names('z'));
    const zLinks = await env.deps.links.all('crash-z');
    expect(zLinks).toHaveLength(3);
    for (const r of crm) expect(zLinks.find((l) => l.zohoId === r.id)?.linkId).toBe(r[LINK_FIELD]);
    expect((await googleContacts(sandbox, toZoho)).length).toBe(3);
  }, 600_000);
});
