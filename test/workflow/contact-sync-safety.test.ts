import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { cycleDone, emailOf, googleContacts, lastSeq, oneWithEmail, seedGoogle, seedZoho, startSyncBed, syncWorld, ui, writesSince, zohoContacts, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import type { RunningSandbox } from '../helpers/sandbox';
import type { TestEnv } from '../helpers/stack';

/**
 * What keeps a running pairing from doing harm, on the real Temporal server against the sandbox: the mass-delete
 * guard, the CRM's workflow rules (no ping-pong), and resync requests coalesced into one more cycle.
 */
let bed: SyncBed;
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  bed = await startSyncBed('contact_sync_safety');
  ({ sandbox, env } = bed);
});
afterAll(() => bed?.close());

const person = (given: string, email: string, title?: string) => ({ names: [{ givenName: given, familyName: 'Safety' }], emailAddresses: [{ value: email }], ...(title ? { organizations: [{ title }] } : {}) });
const pairingOf = (w: SyncWorld, id: string, policy: Record<string, unknown> = { deletion: 'delete' }) => ({ id, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' as const }, policy, intervalSeconds: 3600 });

describe('the mass-delete guard', () => {
  it('a cycle that would delete more than 20% of the linked contacts touches nothing, pauses and alerts; resume with allowMassDelete applies it', async () => {
    const w = await syncWorld(sandbox, env, 'guard');
    const emails = Array.from({ length: 10 }, (_, i) => `p${i}@guard.test`);
    await seedGoogle(sandbox, w, emails.map((e, i) => person(`P${i}`, e)));
    await w.service.create(pairingOf(w, 'guard'), 'test');
    expect((await cycleDone(w, 'guard', 1)).lastError).toBeNull();
    expect(await env.deps.links.count('guard')).toBe(10);

    // Three of ten deleted in Google: 30% > 20%.
    const people = await googleContacts(sandbox, w);
    await ui.deleteGoogle(sandbox, w, emails.slice(0, 3).map((e) => oneWithEmail(people, e).resourceName!));
    const since = await lastSeq(sandbox);
    const mark = await mailMark(env.settings);
    await w.service.signal('guard', 'resync');
    const halted = await cycleDone(w, 'guard', 2);
    expect(halted.phase).toBe('paused');
    expect(halted.paused?.reason).toMatch(/halted: .*delete or unlink 3 of 10/);
    expect(await writesSince(sandbox, since)).toEqual([]);
    expect((await zohoContacts(sandbox, w)).map(emailOf).sort()).toEqual(emails);
    expect(await env.deps.links.count('guard')).toBe(10);
    const logged = await env.deps.errorLogs.list({ source: 'contactSync' });
    expect(logged.filter((e) => e.kind === 'SyncHalted' && e.message.includes('pairing guard'))).toHaveLength(1);
    expect((await waitFor('the alert', async () => {
      const m = await mailsAbout(env.settings, 'contact sync guard paused: SyncHalted', mark);
      return m.length ? m : undefined;
    })).length).toBe(1);

    // A resume alone runs the cycle again and halts again: the deletions still need a person's yes.
    await w.service.signal('guard', 'resume');
    const again = await cycleDone(w, 'guard', 3);
    expect(again.phase).toBe('paused');
    expect(await writesSince(sandbox, since)).toEqual([]);

    await w.service.signal('guard', 'resume', { allowMassDelete: true });
    const applied = await cycleDone(w, 'guard', 4);
    expect([applied.phase, applied.lastError]).toEqual(['waiting', null]);
    expect(applied.last?.zoho.deleted).toBe(3);
    expect((await zohoContacts(sandbox, w)).map(emailOf).sort()).toEqual(emails.slice(3));
    expect(await env.deps.links.count('guard')).toBe(7);
  }, 240_000);

  it('a side whose complete listing is suddenly empty halts the cycle even under the threshold', async () => {
    const w = await syncWorld(sandbox, env, 'empty');
    await seedZoho(sandbox, w, [{ Last_Name: 'One', Email: 'one@empty.test' }, { Last_Name: 'Two', Email: 'two@empty.test' }]);
    await w.service.create(pairingOf(w, 'empty', { deletion: 'delete', maxDeleteFraction: 1 }), 'test');
    expect((await cycleDone(w, 'empty', 1)).lastError).toBeNull();
    await ui.deleteGoogle(sandbox, w, (await googleContacts(sandbox, w)).map((p) => p.resourceName!));
    const since = await lastSeq(sandbox);
    await w.service.signal('empty', 'fullResync');
    const halted = await cycleDone(w, 'empty', 2);
    expect(halted.paused?.reason).toMatch(/complete google listing is empty while 2 linked contacts exist/);
    expect(await writesSince(sandbox, since)).toEqual([]);
    expect((await zohoContacts(sandbox, w)).map(emailOf).sort()).toEqual(['one@empty.test', 'two@empty.test']);
  }, 180_000);
});

describe("the CRM's workflow rules", () => {
  it('do not run on our writes, and a rewrite by a rule reaches Google once and then rests', async () => {
    const w = await syncWorld(sandbox, env, 'rules');
    // A rule that appends to Title on every insert and update: were it run by our writes, every cycle would write
    // the title back and forth, growing.
    await sandbox.control.configure('zoho', { crmWorkflowRules: [{ module: 'Contacts', field: 'Title', action: 'append', value: ' (checked)', on: ['insert', 'update'] }] });
    await seedGoogle(sandbox, w, [person('Rae', 'rae@rules.test', 'cto'), person('Sol', 'sol@rules.test', 'cfo')]);
    await w.service.create(pairingOf(w, 'rules'), 'test');
    expect((await cycleDone(w, 'rules', 1)).lastError).toBeNull();
    expect((await zohoContacts(sandbox, w)).map((r) => r.Title).sort()).toEqual(['cfo', 'cto']);

    // An edit in Google reaches Zoho as it is.
    await ui.editGoogle(sandbox, w, oneWithEmail(await googleContacts(sandbox, w), 'rae@rules.test').resourceName!, { organizations: [{ title: 'ceo' }] });
    await w.service.signal('rules', 'resync');
    expect((await cycleDone(w, 'rules', 2)).last?.zoho.updated).toBe(1);
    expect(oneWithEmail(await zohoContacts(sandbox, w), 'rae@rules.test').Title).toBe('ceo');

    // Another integration writes Sol's record without `trigger`: the rule rewrites Title after it.
    const sol = oneWithEmail(await zohoContacts(sandbox, w), 'sol@rules.test');
    const other = await fetch(`${sandbox.baseUrl}/zoho/api/crm/v2/Contacts`, {
      method: 'PUT',
      headers: { authorization: `Zoho-oauthtoken ${w.zoho.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: [{ id: sol.id, Description: 'imported' }] }),
    });
    expect(other.status).toBe(200);
    expect(oneWithEmail(await zohoContacts(sandbox, w), 'sol@rules.test').Title).toBe('cfo (checked)');
    await w.service.signal('rules', 'resync');
    const s3 = await cycleDone(w, 'rules', 3);
    expect([s3.last?.google.updated, s3.last?.zoho.updated]).toEqual([1, 0]);
    expect(oneWithEmail(await googleContacts(sandbox, w), 'sol@rules.test').organizations?.[0]?.title).toBe('cfo (checked)');

    const since = await lastSeq(sandbox);
    for (let n = 4; n <= 6; n++) {
      await w.service.signal('rules', 'resync');
      const idle = await cycleDone(w, 'rules', n);
      expect([idle.last?.google, idle.last?.zoho]).toEqual([{ created: 0, updated: 0, deleted: 0, tagged: 0 }, { created: 0, updated: 0, deleted: 0, tagged: 0 }]);
    }
    expect(await writesSince(sandbox, since)).toEqual([]);
    expect((await zohoContacts(sandbox, w)).map((r) => r.Title).sort()).toEqual(['ceo', 'cfo (checked)']);
  }, 240_000);
});

describe('resync requests', () => {
  it('five sent during a cycle run exactly one more cycle', async () => {
    const w = await syncWorld(sandbox, env, 'coalesce');
    await seedGoogle(sandbox, w, [person('Uma', 'uma@coalesce.test')]);
    await w.service.create(pairingOf(w, 'coalesce'), 'test');
    const first = await cycleDone(w, 'coalesce', 1);

    // The next Google listing is held for a while, so the signals arrive while the cycle is pulling.
    await sandbox.control.armFault({ provider: 'google', path: '/connections', delayMs: 6000, times: 1 });
    const since = await lastSeq(sandbox);
    await w.service.signal('coalesce', 'resync');
    await waitFor('cycle 2 pulling', async () => ((await w.service.status('coalesce')).status?.phase === 'pulling google' ? true : undefined));
    for (let i = 0; i < 5; i++) await w.service.signal('coalesce', 'resync');
    const inCycle = (await w.service.status('coalesce')).status;
    expect([inCycle?.cycle, inCycle?.phase]).toEqual([2, 'pulling google']);

    const after = await cycleDone(w, 'coalesce', 3);
    expect(after.cycle).toBe(3);
    expect(after.resyncRequested).toBe(false);
    expect(after.signals - first.signals).toBe(6);
    expect(Date.parse(after.nextCycleAt!) - after.lastCycleAt!).toBe(3600_000);
    // One Google listing per cycle: cycles 2 and 3, no fourth.
    expect((await sandbox.control.requests({ provider: 'google', path: '/connections', since })).filter((r) => r.status === 200)).toHaveLength(2);
  }, 180_000);
});
