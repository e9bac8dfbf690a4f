import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactSyncWorkflowId } from '../../clients/sync';
import { linkIdOf } from '../../providers/google/mapper';
import { LINK_FIELD, cycleDone, googleContacts, lastSeq, seedGoogle, seedZoho, startSyncBed, syncWorld, writesSince, zohoContacts, type SyncBed, type SyncWorld } from '../helpers/contact-sync';
import { recordHistories } from '../helpers/histories';
import type { RunningSandbox } from '../helpers/sandbox';
import type { TestEnv } from '../helpers/stack';

/** Contact sync on the real Temporal server against the sandbox's Google and Zoho CRM. */
let bed: SyncBed;
let sandbox: RunningSandbox;
let env: TestEnv;

beforeAll(async () => {
  bed = await startSyncBed('contact_sync');
  ({ sandbox, env } = bed);
});
afterAll(() => bed?.close());

describe('contact sync between Google Contacts and Zoho CRM', () => {
  let w: SyncWorld;
  let pairingId = '';

  it('first sync: matches on e-mail, creates the rest on each side, and both records carry the link id', async () => {
    w = await syncWorld(sandbox, env, 'first');
    await seedGoogle(sandbox, w, [
      { names: [{ givenName: 'Ana', familyName: 'Lopez' }], emailAddresses: [{ value: 'ana@example.com' }] },
      { names: [{ givenName: 'Bea', familyName: 'Ruiz' }], emailAddresses: [{ value: 'bea@example.com' }], phoneNumbers: [{ value: '+52 55 1234 5678' }] },
    ]);
    await seedZoho(sandbox, w, [
      { First_Name: 'Ana', Last_Name: 'Lopez', Email: 'ANA@example.com', Title: 'CEO' },
      { First_Name: 'Carl', Last_Name: 'Diaz', Email: 'carl@example.com' },
    ]);
    const { pairing } = await w.service.create(
      { id: 'first', googleAccountId: w.google.accountId, zohoAccountId: w.zoho.accountId, target: { kind: 'crm' }, policy: { deletion: 'delete', maxDeleteFraction: 0.5 }, intervalSeconds: 3600 },
      'test',
    );
    pairingId = pairing._id;
    const status = await cycleDone(w, pairingId, 1);
    expect(status.lastError).toBeNull();
    const people = await googleContacts(sandbox, w);
    const crm = await zohoContacts(sandbox, w);
    expect(people.map((p) => p.emailAddresses?.[0]?.value?.toLowerCase()).sort()).toEqual(['ana@example.com', 'bea@example.com', 'carl@example.com']);
    expect(crm.map((r) => r.Email?.toLowerCase()).sort()).toEqual(['ana@example.com', 'bea@example.com', 'carl@example.com']);
    // Every record sync created carries its link's id (Google clientData, the unique CRM field), so a create whose
    // answer is lost is found again instead of duplicated.
    const key = `switchyard:${pairingId}`;
    const links = await env.deps.links.all(pairingId);
    const carlGoogle = people.find((p) => p.emailAddresses?.[0]?.value === 'carl@example.com')!;
    const beaZoho = crm.find((r) => r.Email === 'bea@example.com')!;
    expect(links.find((l) => l.googleId === carlGoogle.resourceName)?.linkId).toBe(linkIdOf(carlGoogle, key));
    expect(links.find((l) => l.zohoId === beaZoho.id)?.linkId).toBe(beaZoho[LINK_FIELD]);
    expect(links.every((l) => l.googleId && l.zohoId)).toBe(true);
    // The Zoho-only title reached Google; Bea's Zoho record was created with her phone, owned by the pairing's user.
    expect(people.find((p) => p.emailAddresses?.[0]?.value?.toLowerCase() === 'ana@example.com')?.organizations?.[0]?.title).toBe('CEO');
    const bea = crm.find((r) => r.Email === 'bea@example.com')!;
    expect(bea.Phone).toMatch(/5512345678$/);
    expect(bea.Owner?.id).toBe(w.zoho.ownerId);
    expect(await env.deps.links.count(pairingId)).toBe(3);
  }, 180_000);

  it('an edit and a deletion on each side arrive on the other; then three idle cycles write nothing', async () => {
    const people = await googleContacts(sandbox, w);
    const crm = await zohoContacts(sandbox, w);
    const ana = people.find((p) => p.emailAddresses?.[0]?.value?.toLowerCase() === 'ana@example.com')!;
    const carl = crm.find((r) => r.Email === 'carl@example.com')!;
    await sandbox.control.call('PATCH', '/google/contacts', { user: w.google.email, resourceName: ana.resourceName, person: { organizations: [{ title: 'Founder' }] } });
    await sandbox.control.call('POST', '/zoho/crm/edit', { org: w.zoho.org, id: carl.id, fields: { Phone: '+1 415 555 0100' } });
    const bea = people.find((p) => p.emailAddresses?.[0]?.value === 'bea@example.com')!;
    await sandbox.control.call('POST', '/google/contacts/delete', { user: w.google.email, resourceNames: [bea.resourceName] });

    await w.service.signal(pairingId, 'resync');
    const s2 = await cycleDone(w, pairingId, 2);
    expect(s2.lastError).toBeNull();
    const crm2 = await zohoContacts(sandbox, w);
    expect(crm2.find((r) => r.Email?.toLowerCase() === 'ana@example.com')?.Title).toBe('Founder');
    expect(crm2.find((r) => r.Email === 'bea@example.com')).toBeUndefined();
    const people2 = await googleContacts(sandbox, w);
    expect(people2.find((p) => p.emailAddresses?.[0]?.value === 'carl@example.com')?.phoneNumbers?.[0]?.value).toMatch(/4155550100$/);
    expect(await env.deps.links.count(pairingId)).toBe(2);

    const since = await lastSeq(sandbox);
    for (let n = 3; n <= 5; n++) {
      await w.service.signal(pairingId, 'resync');
      const s = await cycleDone(w, pairingId, n);
      expect(s.last?.google).toEqual({ created: 0, updated: 0, deleted: 0, tagged: 0 });
      expect(s.last?.zoho).toEqual({ created: 0, updated: 0, deleted: 0, tagged: 0 });
    }
    expect(await writesSince(sandbox, since)).toEqual([]);
    await recordHistories(env.client, 'contact-sync-five-cycles', contactSyncWorkflowId(env.settings, pairingId), 'contact-sync.test.ts: a first sync, then edits and deletions both ways, then three idle cycles');
  }, 240_000);
});
