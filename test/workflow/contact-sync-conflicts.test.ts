import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '../../providers/google/types';
import type { ZohoContact } from '../../providers/zoho/types';
import type { ConflictDoc } from '../../store/sync-cycles';
import { cycleDone, googleContacts, lastSeq, oneWithEmail, seedGoogle, startSyncBed, syncWorld, ui, withEmail, writesSince, zohoContacts, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import type { RunningSandbox } from '../helpers/sandbox';
import type { TestEnv } from '../helpers/stack';

/**
 * Conflicts on the real Temporal server against the sandbox: both sides edited between two cycles under each
 * policy, equal edits, and a deletion on one side against an edit on the other. One pairing whose policy is
 * changed between cycles; the providers' clocks (the sandbox's) are moved forward between the two edits of a
 * contact, so "who wrote last" is decided by the providers' own update times.
 */
let bed: SyncBed;
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  // Deleted CRM records are read every cycle, so a deletion in Zoho is seen by the next one.
  bed = await startSyncBed('contact_sync_conflicts', { SYNC_ZOHO_DELETES_EVERY_SECONDS: 0 });
  ({ sandbox, env } = bed);
});
afterAll(() => bed?.close());

const CONTACTS = ['lww-g', 'lww-z', 'gwins', 'zwins', 'merge-a', 'merge-b', 'equal', 'gone-g', 'gone-z', 'gone-wins'];
const email = (name: string): string => `${name}@example.com`;
const MINUTE = 60_000;

describe('contact sync conflicts', () => {
  let w: SyncWorld;
  const pairingId = 'conflicts';
  let cycle = 1;
  let people: Person[] = [];
  let crm: ZohoContact[] = [];
  const g = (name: string): Person => oneWithEmail(people, email(name));
  const z = (name: string): ZohoContact => oneWithEmail(crm, email(name));
  const title = (p: Person): string | undefined => p.organizations?.[0]?.title;
  const digits = (v: string | null | undefined): string => (v ?? '').replace(/\D/g, '');
  const phone = (p: Person): string => digits(p.phoneNumbers?.[0]?.value);
  /** Changes the pairing's policy through the service (validated like an API call); the next cycle reads it. */
  const setPolicy = async (change: Record<string, unknown>): Promise<void> => {
    await w.service.update(pairingId, { policy: { ...(await w.service.get(pairingId)).policy, ...change } }, 'test');
  };
  const refresh = async (): Promise<void> => {
    people = await googleContacts(sandbox, w);
    crm = await zohoContacts(sandbox, w);
  };
  /** Runs the next cycle; answers its status and the conflicts it recorded, by e-mail of the Google contact. */
  async function nextCycle(): Promise<{ conflicts: Map<string, ConflictDoc>; last: NonNullable<Awaited<ReturnType<typeof cycleDone>>['last']> }> {
    cycle++;
    await w.service.signal(pairingId, 'resync');
    const s = await cycleDone(w, pairingId, cycle);
    expect(s.lastError).toBeNull();
    const byLink = new Map((await env.deps.links.all(pairingId)).map((l) => [l.linkId, l]));
    const conflicts = new Map<string, ConflictDoc>();
    for (const c of await env.deps.cycles.recentConflicts(pairingId, 100)) {
      if (c.cycle !== cycle) continue;
      const e = c.google.deleted ? (c.zoho.deleted ? undefined : c.zoho.contact.email) : c.google.contact.email;
      conflicts.set(e ?? byLink.get(c.linkId)?.google?.contact.email ?? c.linkId, c);
    }
    await refresh();
    return { conflicts, last: s.last! };
  }

  it('first sync copies every Google contact to Zoho', async () => {
    w = await syncWorld(sandbox, env, 'conflicts');
    await seedGoogle(
      sandbox,
      w,
      CONTACTS.map((n) => ({ names: [{ givenName: n, familyName: 'Conflict' }], emailAddresses: [{ value: email(n) }], organizations: [{ title: 'Start' }], phoneNumbers: [{ value: '+1 415 555 0100' }] })),
    );
    await w.service.create({ id: pairingId, googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' }, policy: { deletion: 'delete', maxDeleteFraction: 1 }, intervalSeconds: 3600 }, 'test');
    const s = await cycleDone(w, pairingId, 1);
    expect(s.lastError).toBeNull();
    await refresh();
    for (const n of CONTACTS) expect(z(n).Title).toBe('Start');
    expect(await env.deps.links.count(pairingId)).toBe(CONTACTS.length);
  }, 120_000);

  it('lastWriterWins: the side the providers say was written last wins, and both versions are recorded', async () => {
    // lww-g: Zoho first, Google a minute later. lww-z: Google first, Zoho a minute later.
    await ui.editZoho(sandbox, w, z('lww-g').id, { Title: 'Zoho earlier' });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editGoogle(sandbox, w, g('lww-g').resourceName!, { organizations: [{ title: 'Google later' }] });
    await ui.editGoogle(sandbox, w, g('lww-z').resourceName!, { organizations: [{ title: 'Google earlier' }] });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editZoho(sandbox, w, z('lww-z').id, { Title: 'Zoho later' });

    const { conflicts, last } = await nextCycle();
    expect(z('lww-g').Title).toBe('Google later');
    expect(title(g('lww-z'))).toBe('Zoho later');
    expect(last.conflicts).toBe(2);
    const cg = conflicts.get(email('lww-g'))!;
    expect(cg).toMatchObject({ kind: 'bothChanged', policy: 'lastWriterWins', resolution: 'google' });
    expect(cg.google).toMatchObject({ deleted: false, contact: { title: 'Google later' } });
    expect(cg.zoho).toMatchObject({ deleted: false, contact: { title: 'Zoho earlier' } });
    // Both versions carry the provider's own version and update time; Google's is the later one.
    if (cg.google.deleted || cg.zoho.deleted) throw new Error('expected two live versions');
    expect(cg.google.version).not.toBe('');
    expect(cg.zoho.version).not.toBe('');
    expect(cg.google.updatedAt! - cg.zoho.updatedAt!).toBeGreaterThanOrEqual(MINUTE - 1000);
    expect(cg.fields).toEqual([{ field: 'title', google: 'Google later', zoho: 'Zoho earlier', changedOn: ['google', 'zoho'], winner: 'google' }]);
    expect(conflicts.get(email('lww-z'))).toMatchObject({ resolution: 'zoho', google: { contact: { title: 'Google earlier' } }, zoho: { contact: { title: 'Zoho later' } } });
  }, 120_000);

  it('googleWins and zohoWins ignore who wrote last', async () => {
    await setPolicy({ conflict: 'googleWins' });
    await ui.editGoogle(sandbox, w, g('gwins').resourceName!, { organizations: [{ title: 'Google first' }] });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editZoho(sandbox, w, z('gwins').id, { Title: 'Zoho after' });
    let { conflicts } = await nextCycle();
    expect(z('gwins').Title).toBe('Google first');
    expect(title(g('gwins'))).toBe('Google first');
    expect(conflicts.get(email('gwins'))).toMatchObject({ policy: 'googleWins', resolution: 'google', zoho: { contact: { title: 'Zoho after' } } });

    await setPolicy({ conflict: 'zohoWins' });
    await ui.editZoho(sandbox, w, z('zwins').id, { Title: 'Zoho first' });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editGoogle(sandbox, w, g('zwins').resourceName!, { organizations: [{ title: 'Google after' }] });
    ({ conflicts } = await nextCycle());
    expect(title(g('zwins'))).toBe('Zoho first');
    expect(z('zwins').Title).toBe('Zoho first');
    expect(conflicts.get(email('zwins'))).toMatchObject({ policy: 'zohoWins', resolution: 'zoho', google: { contact: { title: 'Google after' } } });
  }, 180_000);

  it('fieldMerge takes each field from the side that changed it, and the last writer for a field both changed', async () => {
    await setPolicy({ conflict: 'fieldMerge' });
    // merge-a: title changed in Google, phone in Zoho. merge-b: title changed on both (Zoho later), phone in Google.
    await ui.editGoogle(sandbox, w, g('merge-a').resourceName!, { organizations: [{ title: 'Merged title' }] });
    await ui.editZoho(sandbox, w, z('merge-a').id, { Phone: '+1 415 555 0199' });
    await ui.editGoogle(sandbox, w, g('merge-b').resourceName!, { organizations: [{ title: 'Google title' }], phoneNumbers: [{ value: '+1 415 555 0188' }] });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editZoho(sandbox, w, z('merge-b').id, { Title: 'Zoho title' });

    const { conflicts } = await nextCycle();
    expect(title(g('merge-a'))).toBe('Merged title');
    expect(z('merge-a').Title).toBe('Merged title');
    expect(phone(g('merge-a'))).toBe('14155550199');
    expect(digits(z('merge-a').Phone)).toBe('14155550199');
    expect(title(g('merge-b'))).toBe('Zoho title');
    expect(z('merge-b').Title).toBe('Zoho title');
    expect(phone(g('merge-b'))).toBe('14155550188');
    expect(digits(z('merge-b').Phone)).toBe('14155550188');
    const ca = conflicts.get(email('merge-a'))!;
    expect(ca).toMatchObject({ policy: 'fieldMerge', resolution: 'merged', result: { title: 'Merged title' } });
    expect(ca.fields.map((f) => [f.field, f.winner]).sort()).toEqual([['phone', 'zoho'], ['title', 'google']]);
    const cb = conflicts.get(email('merge-b'))!;
    expect(cb.fields.map((f) => [f.field, f.changedOn.join('+'), f.winner]).sort()).toEqual([['phone', 'google', 'google'], ['title', 'google+zoho', 'zoho']]);
  }, 120_000);

  it('the same edit on both sides is no conflict and writes nothing', async () => {
    await ui.editGoogle(sandbox, w, g('equal').resourceName!, { organizations: [{ title: 'Same on both' }] });
    await sandbox.control.advanceClock(MINUTE);
    await ui.editZoho(sandbox, w, z('equal').id, { Title: 'Same on both' });
    const since = await lastSeq(sandbox);
    const { conflicts, last } = await nextCycle();
    expect(last.conflicts).toBe(0);
    expect(conflicts.size).toBe(0);
    expect(await writesSince(sandbox, since)).toEqual([]);
    expect(title(g('equal'))).toBe('Same on both');
  }, 120_000);

  it('deleted on one side and edited on the other: the edit wins and the contact is re-created', async () => {
    const beforeG = g('gone-g').resourceName;
    const keptZ = z('gone-g').id;
    await ui.deleteGoogle(sandbox, w, [beforeG!]);
    await ui.editZoho(sandbox, w, keptZ, { Title: 'Edited in Zoho' });
    const keptG = g('gone-z').resourceName;
    const beforeZ = z('gone-z').id;
    await ui.deleteZoho(sandbox, w, [beforeZ]);
    await ui.editGoogle(sandbox, w, keptG!, { organizations: [{ title: 'Edited in Google' }] });

    const { conflicts, last } = await nextCycle();
    expect(last.google.created).toBe(1);
    expect(last.zoho.created).toBe(1);
    // Re-created under new ids with the edited content; the edited records stay where they were.
    const reG = g('gone-g');
    expect(reG.resourceName).not.toBe(beforeG);
    expect(title(reG)).toBe('Edited in Zoho');
    expect(z('gone-g').id).toBe(keptZ);
    const reZ = z('gone-z');
    expect(reZ.id).not.toBe(beforeZ);
    expect(reZ.Title).toBe('Edited in Google');
    expect(g('gone-z').resourceName).toBe(keptG);
    const links = await env.deps.links.all(pairingId);
    expect(links.find((l) => l.zohoId === keptZ)?.googleId).toBe(reG.resourceName);
    expect(links.find((l) => l.googleId === keptG)?.zohoId).toBe(reZ.id);
    expect(conflicts.get(email('gone-g'))).toMatchObject({ kind: 'deleteVsEdit', resolution: 'recreated', google: { deleted: true }, zoho: { deleted: false, contact: { title: 'Edited in Zoho' } } });
    expect(conflicts.get(email('gone-z'))).toMatchObject({ kind: 'deleteVsEdit', resolution: 'recreated', zoho: { deleted: true }, google: { deleted: false, contact: { title: 'Edited in Google' } } });
  }, 120_000);

  it('with deletionsWin the deletion wins over the edit', async () => {
    await setPolicy({ deletionsWin: true });
    const linksBefore = await env.deps.links.count(pairingId);
    await ui.deleteGoogle(sandbox, w, [g('gone-wins').resourceName!]);
    await ui.editZoho(sandbox, w, z('gone-wins').id, { Title: 'Edited too late' });
    const { conflicts, last } = await nextCycle();
    expect(last.zoho.deleted).toBe(1);
    expect(withEmail(crm, email('gone-wins'))).toEqual([]);
    expect(withEmail(people, email('gone-wins'))).toEqual([]);
    expect(await env.deps.links.count(pairingId)).toBe(linksBefore - 1);
    const byLink = [...(await env.deps.cycles.recentConflicts(pairingId, 100))].filter((c) => c.cycle === cycle);
    expect(byLink).toHaveLength(1);
    expect(byLink[0]).toMatchObject({ kind: 'deleteVsEdit', resolution: 'deleted', google: { deleted: true }, zoho: { deleted: false, contact: { title: 'Edited too late' } } });
    expect(conflicts.size).toBe(1);
  }, 120_000);
});
