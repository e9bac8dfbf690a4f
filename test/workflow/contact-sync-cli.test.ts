import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactSyncWorkflowId } from '../../clients/sync';
import { stackPaths } from '../../stack/paths';
import { temporalBinary } from '../../stack/install';
import { cycleDone, lastSeq, startSyncBed, syncWorld, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import type { TestEnv } from '../helpers/stack';

/**
 * The README's `temporal` CLI commands for a pairing's workflow, run as written (with this deployment's workflow id,
 * task queue and accounts) against the real Temporal server and a worker: start, signals, query, list.
 */
let bed: SyncBed;
let env: TestEnv;

beforeAll(async () => {
  bed = await startSyncBed('contact_sync_cli');
  ({ env } = bed);
});
afterAll(() => bed?.close());

/** The README's commands from the contact-sync section's CLI block, one a line (continuations joined). */
function readmeCommands(): string[] {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Contact sync'));
  const block = /From the `temporal` CLI[\s\S]*?```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no temporal CLI block in the contact sync section');
  return block.replace(/\\\n\s*/g, '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

describe("the README's temporal CLI commands for a pairing", () => {
  let w: SyncWorld;
  const id = 'cli';
  const commands = readmeCommands();
  const command = (verb: RegExp): string => {
    const c = commands.find((l) => verb.test(l));
    if (!c) throw new Error(`README: no command matching ${verb}`);
    return c;
  };
  const run = async (line: string): Promise<string> => {
    const workflowId = contactSyncWorkflowId(env.settings, id);
    const concrete = line
      .replace(/^temporal /, `'${temporalBinary(stackPaths(env.settings), () => undefined)}' `)
      .replaceAll('contact-sync:PAIRING_ID', workflowId)
      .replaceAll('PAIRING_ID', id)
      .replaceAll('GOOGLE_ACCOUNT_ID', w.google.accountId)
      .replaceAll('ZOHO_ACCOUNT_ID', w.zoho.accountId)
      .replace('--task-queue switchyard', `--task-queue ${env.taskQueue}`);
    const { stdout } = await promisify(execFile)('bash', ['-c', concrete], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.settings.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: env.settings.TEMPORAL_NAMESPACE },
    });
    return stdout;
  };

  it('start, resync, pause, resume, fullResync, query and list work as written', async () => {
    w = await syncWorld(bed.sandbox, env, 'cli');
    await w.service.create({ id, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' }, intervalSeconds: 3600 }, 'test');
    await cycleDone(w, id, 1);
    // Terminated, then started again from the CLI: a fresh workflow that begins with a full cycle.
    await env.client.workflow.getHandle(contactSyncWorkflowId(env.settings, id)).terminate('the CLI starts it again');
    await run(command(/workflow start /));
    expect((await cycleDone(w, id, 1)).lastError).toBeNull();
    const described = await env.client.workflow.getHandle(contactSyncWorkflowId(env.settings, id)).describe();
    expect(described.searchAttributes).toMatchObject({ SwitchyardAccounts: [w.google.accountId, w.zoho.accountId], SwitchyardPairingId: [id] });

    await run(command(/--name resync/));
    expect((await cycleDone(w, id, 2)).lastError).toBeNull();
    await run(command(/--name pause /));
    expect((await cycleDone(w, id, 2)).paused?.reason).toBe('maintenance');
    await run(command(/--name resume /));
    const resumed = await cycleDone(w, id, 3);
    expect([resumed.phase, resumed.paused]).toEqual(['waiting', null]);
    const since = await lastSeq(bed.sandbox);
    await run(command(/--name fullResync/));
    expect((await cycleDone(w, id, 4)).lastError).toBeNull();
    const listings = await bed.sandbox.control.requests({ provider: 'google', path: '/connections', since });
    expect(listings.map((r) => r.url.includes('syncToken='))).toEqual([false]);

    const queried = await run(command(/workflow query /));
    expect(queried).toMatch(new RegExp(`"pairingId":\\s*"${id}"`));
    expect(queried).toMatch(/"cycle":\s*4/);
    const listed = await run(command(/workflow list /));
    expect(listed).toContain(contactSyncWorkflowId(env.settings, id));
  }, 240_000);
});
