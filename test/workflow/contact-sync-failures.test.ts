import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../common/names';
import { contactSyncWorkflowId } from '../../clients/sync';
import { reconnectAccount } from '../../clients/onboarding';
import { mailMark, mailsAbout, waitFor } from '../helpers/capture';
import { cycleDone, emailOf, googleContacts, lastSeq, oneWithEmail, seedGoogle, seedZoho, startSyncBed, syncWorld, ui, writesSince, zohoContacts, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import type { RunningSandbox } from '../helpers/sandbox';
import type { TestEnv } from '../helpers/stack';

/**
 * The providers failing under a running pairing, on the real Temporal server against the sandbox: an expired
 * Google sync token, a storm of 429s, a revoked Zoho grant.
 */
let bed: SyncBed;
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  bed = await startSyncBed('contact_sync_failures');
  ({ sandbox, env } = bed);
});
afterAll(() => bed?.close());

const DAY = 24 * 3600_000;
const person = (given: string, email: string) => ({ names: [{ givenName: given, familyName: 'Failure' }], emailAddresses: [{ value: email }] });
const pairingOf = (w: SyncWorld, id: string) => ({ id, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' as const }, policy: { deletion: 'delete' }, intervalSeconds: 3600 });

/** The org's CRM contacts' e-mails as the sandbox holds them (the test's own token is revoked too). */
const crmEmails = async (w: SyncWorld): Promise<string[]> =>
  (await sandbox.control.call<{ crm: { Contacts: { records: { Email?: string }[] } } }>('GET', `/zoho/state?org=${w.zoho.org}&module=Contacts`)).crm.Contacts.records.map((r) => (r.Email ?? '').toLowerCase()).sort();

describe('contact sync when the providers fail', () => {
  it('an expired Google sync token leads to a full listing and no duplicate', async () => {
    const w = await syncWorld(sandbox, env, 'expired');
    await seedGoogle(sandbox, w, [person('Ada', 'ada@expired.test'), person('Bo', 'bo@expired.test')]);
    await seedZoho(sandbox, w, [{ Last_Name: 'Cy', Email: 'cy@expired.test' }, { Last_Name: 'Ada', Email: 'ada@expired.test' }]);
    await w.service.create(pairingOf(w, 'expired'), 'test');
    expect((await cycleDone(w, 'expired', 1)).lastError).toBeNull();

    // Eight days later: an edit on each side and a contact made in the Google UI; the sync token is past its 7 days.
    await sandbox.control.advanceClock(8 * DAY);
    await ui.editGoogle(sandbox, w, oneWithEmail(await googleContacts(sandbox, w), 'bo@expired.test').resourceName!, { organizations: [{ title: 'Edited in Google' }] });
    await ui.editZoho(sandbox, w, oneWithEmail(await zohoContacts(sandbox, w), 'cy@expired.test').id, { Title: 'Edited in Zoho' });
    await seedGoogle(sandbox, w, [person('Dee', 'dee@expired.test')]);
    const since = await lastSeq(sandbox);
    await w.service.signal('expired', 'resync');
    const s = await cycleDone(w, 'expired', 2);
    expect(s.lastError).toBeNull();

    const listings = (await sandbox.control.requests({ provider: 'google', path: '/connections', since })).map((r) => ({ sync: r.url.includes('syncToken='), status: r.status }));
    expect(listings).toEqual([{ sync: true, status: 400 }, { sync: false, status: 200 }]);
    expect(s.last?.zoho).toEqual({ created: 1, updated: 1, deleted: 0, tagged: 0 });
    expect(s.last?.google).toEqual({ created: 0, updated: 1, deleted: 0, tagged: 0 });
    const emails = ['ada@expired.test', 'bo@expired.test', 'cy@expired.test', 'dee@expired.test'];
    const people = await googleContacts(sandbox, w);
    const crm = await zohoContacts(sandbox, w);
    expect(people.map(emailOf).sort()).toEqual(emails);
    expect(crm.map(emailOf).sort()).toEqual(emails);
    expect(oneWithEmail(crm, 'bo@expired.test').Title).toBe('Edited in Google');
    expect(oneWithEmail(people, 'cy@expired.test').organizations?.[0]?.title).toBe('Edited in Zoho');
    expect(await env.deps.links.count('expired')).toBe(4);
    expect(await writesSince(sandbox, since)).not.toContainEqual(expect.stringMatching(/batchCreateContacts/));

    // The full listing's new token works: the next cycle is incremental again and writes nothing.
    const quiet = await lastSeq(sandbox);
    await w.service.signal('expired', 'resync');
    expect((await cycleDone(w, 'expired', 3)).lastError).toBeNull();
    expect((await sandbox.control.requests({ provider: 'google', path: '/connections', since: quiet })).map((r) => [r.url.includes('syncToken='), r.status])).toEqual([[true, 200]]);
    expect(await writesSince(sandbox, quiet)).toEqual([]);
  }, 180_000);

  it('a storm of 429s (low per-user quotas, Retry-After faults) finishes later with nothing lost', async () => {
    const w = await syncWorld(sandbox, env, 'storm');
    const gEmails = Array.from({ length: 250 }, (_, i) => `g${i}@storm.test`);
    const zEmails = Array.from({ length: 250 }, (_, i) => `z${i}@storm.test`);
    await seedGoogle(sandbox, w, gEmails.map((e, i) => person(`G${i}`, e)));
    await seedZoho(sandbox, w, zEmails.map((e, i) => ({ Last_Name: `Z${i}`, Email: e })));
    // Google allows this user one write a minute (two create batches need two minutes) and says when to come back;
    // the CRM answers its next eight calls with 429 and the listing's first answers too.
    await sandbox.control.configure('google', { writesPerMinute: 1, quotaRetryAfterSeconds: 5 });
    const tooMany = { code: 'TOO_MANY_REQUESTS', details: {}, message: 'too many requests continuously', status: 'error' };
    await sandbox.control.armFault({ provider: 'zoho', path: '/crm/', status: 429, body: tooMany, retryAfter: 2, times: 8 });
    const exhausted = { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED' }] } };
    await sandbox.control.armFault({ provider: 'google', path: '/connections', status: 429, body: exhausted, retryAfter: 2, times: 3 });
    // The per-minute quota refuses a second write only if it comes within the minute, which a loaded machine may not
    // manage (each batch's links are settled first): the first create is refused as well, whatever the timing.
    await sandbox.control.armFault({ provider: 'google', path: 'batchCreateContacts', status: 429, body: exhausted, retryAfter: 2, times: 1 });
    const since = await lastSeq(sandbox);
    await w.service.create(pairingOf(w, 'storm'), 'test');
    const s = await cycleDone(w, 'storm', 1, 300_000);
    expect(s.lastError).toBeNull();
    expect(s.last?.failed).toBe(0);
    await sandbox.control.configure('google', { writesPerMinute: 30, quotaRetryAfterSeconds: null });

    const refused = (await sandbox.control.requests({ since })).filter((r) => r.status === 429);
    expect(refused.filter((r) => r.provider === 'zoho').length).toBeGreaterThanOrEqual(8);
    expect(refused.filter((r) => r.provider === 'google' && r.url.includes('batchCreateContacts')).length).toBeGreaterThan(0);
    const all = [...gEmails, ...zEmails].sort();
    expect((await googleContacts(sandbox, w)).map(emailOf).sort()).toEqual(all);
    expect((await zohoContacts(sandbox, w)).map(emailOf).sort()).toEqual(all);
    expect(await env.deps.links.count('storm')).toBe(500);
    expect(await env.deps.links.countPending('storm')).toBe(0);
  }, 660_000);

  it('a revoked Zoho grant pauses every pairing of the account, with an error log and an e-mail; reconnecting resumes them', async () => {
    // Two Google users paired with one Zoho org.
    const a = await syncWorld(sandbox, env, 'revoked');
    const b = await syncWorld(sandbox, env, 'revoked2');
    const zoho = a.zoho.accountId;
    await seedGoogle(sandbox, a, [person('Ann', 'ann@revoked.test')]);
    await seedGoogle(sandbox, b, [person('Bob', 'bob@revoked.test')]);
    await a.service.create({ ...pairingOf(a, 'revoked-a'), target: { kind: 'crm', allOwners: true } }, 'test');
    await a.service.create({ ...pairingOf(b, 'revoked-b'), zohoAccountId: zoho, target: { kind: 'crm', allOwners: true } }, 'test');
    expect((await cycleDone(a, 'revoked-a', 1)).lastError).toBeNull();
    expect((await cycleDone(a, 'revoked-b', 1)).lastError).toBeNull();

    // The user revokes the grant at Zoho: the stored access token and the refresh token stop working.
    await sandbox.control.call('POST', '/zoho/revoke', { token: '1000.revoked.refresh' });
    const mark = await mailMark(env.settings);
    await seedGoogle(sandbox, a, [person('Cat', 'cat@revoked.test')]);
    await a.service.signal('revoked-a', 'resync');
    const pausedA = await cycleDone(a, 'revoked-a', 2);
    expect(pausedA.phase).toBe('paused');
    expect(pausedA.paused?.reason).toMatch(/revoked/);
    // The other pairing is paused too, without waiting for its own cycle to fail.
    const pausedB = await waitFor('revoked-b paused', async () => ((await a.service.status('revoked-b')).status?.paused ? (await a.service.status('revoked-b')).status : undefined), 60_000);
    expect(pausedB?.cycle).toBe(1);
    expect((await env.deps.accounts.get(zoho)).status).toBe('needs_reauth');
    expect((await env.deps.errorLogs.list({ accountId: zoho })).map((e) => e.kind)).toContain(FailureType.AuthRevoked);
    expect(await waitFor('the alert', async () => ((await mailsAbout(env.settings, zoho, mark)).length ? true : undefined), 30_000)).toBe(true);
    expect(await crmEmails(a)).not.toContain('cat@revoked.test');

    // A person reconnects the account with a new grant: both pairings resume, and the change made meanwhile arrives.
    const { code } = await sandbox.control.call<{ code: string }>('POST', '/zoho/authorize', { account: a.zoho.sandboxAccount, clientId: '1000.REVOKED' });
    const grant = await fetch(`${sandbox.baseUrl}/zoho/accounts/oauth/v2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: '1000.REVOKED', client_secret: 'zoho-revoked-secret' }) });
    const refreshToken = ((await grant.json()) as { refresh_token: string }).refresh_token;
    const { resumed } = await reconnectAccount(env.deps.accounts, env.client, zoho, refreshToken);
    expect(resumed.sort()).toEqual([contactSyncWorkflowId(env.settings, 'revoked-a'), contactSyncWorkflowId(env.settings, 'revoked-b')].sort());
    const doneA = await cycleDone(a, 'revoked-a', 3);
    const doneB = await cycleDone(a, 'revoked-b', 2);
    expect([doneA.phase, doneA.lastError, doneB.phase, doneB.lastError]).toEqual(['waiting', null, 'waiting', null]);
    expect(await crmEmails(a)).toEqual(['ann@revoked.test', 'bob@revoked.test', 'cat@revoked.test']);
  }, 240_000);
});
