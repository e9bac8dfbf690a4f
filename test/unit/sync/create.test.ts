import { describe, expect, it } from 'vitest';
import { contactHash, isEmptyPlan, linkIdFor, planSync, sideState, type SyncLink } from '../../../sync';
import { ANA, CRM, counts, input, linked, plan, rec } from './helpers';

const s = { fields: CRM.fields };

describe('new contacts', () => {
  it('a new Google contact is created in Zoho under a deterministic link id, stored before the write', () => {
    const p = plan({ google: { records: [rec('people/c9', 'g1', ANA)] } });
    const linkId = linkIdFor('pairing-1', 'google', 'people/c9');
    expect(p.zoho.creates).toEqual([{ linkId, contact: ANA }]);
    expect(p.links[0]).toMatchObject({ linkId, storeBeforeWrites: true, awaits: { zoho: { op: 'create' } } });
    expect(p.links[0]?.next).toEqual({ linkId, googleId: 'people/c9', google: sideState('g1', ANA, undefined, s) });
    expect(p.links[0]?.prior).toBeUndefined();
  });
  it('a new Zoho contact is created in Google', () => {
    const p = plan({ zoho: { records: [rec('z9', 'z1', ANA)] } });
    expect(p.google.creates).toEqual([{ linkId: linkIdFor('pairing-1', 'zoho', 'z9'), contact: ANA }]);
  });
  it('planning the same cycle twice gives the same plan', () => {
    const i = input({ google: { records: [rec('people/c9', 'g1', ANA), rec('people/c8', 'g1', { firstName: 'Bo' })] }, zoho: { records: [rec('z9', 'z1', ANA)] } });
    expect(planSync(i)).toEqual(planSync(structuredClone(i)));
  });
  it('a contact with none of the mapped fields is not created (no blank records)', () => {
    expect(isEmptyPlan(plan({ google: { records: [rec('people/c9', 'g1', {})] } }))).toBe(true);
  });
});

describe("Zoho's mandatory Last_Name", () => {
  it('is synthesised from the e-mail when Google has no family name, and recorded', () => {
    const g = { firstName: 'Ana', email: 'ana.perez@example.com' };
    const p = plan({ google: { records: [rec('people/c9', 'g1', g)] } });
    expect(p.zoho.creates[0]?.contact).toEqual({ ...g, lastName: 'ana.perez' });
    const state = p.links[0]?.awaits.zoho?.state;
    expect(state?.synthesized).toEqual({ lastName: 'ana.perez' });
    // Its hash is the Google projection's: the stand-in is not content.
    expect(state?.hash).toBe(contactHash(g, s));
  });
  it('is "(no name)" without an e-mail', () => {
    const p = plan({ google: { records: [rec('people/c9', 'g1', { mobile: '+14155550100' })] } });
    expect(p.zoho.creates[0]?.contact.lastName).toBe('(no name)');
  });
  it('does not flow back to Google, even when Zoho changes something else', () => {
    const g = { firstName: 'Ana', email: 'ana@example.com' };
    const link = linked('L1', 'people/c1', 'z1', g, { zoho: { ...g, lastName: 'ana' }, zSynth: { lastName: 'ana' } });
    const p = plan({ links: [link], zoho: { records: [rec('z1', 'z2', { ...g, lastName: 'ana', title: 'CTO' })] } });
    expect(p.google.updates).toEqual([{ linkId: 'L1', id: 'people/c1', contact: { ...g, title: 'CTO' }, fields: ['title'], baseVersion: 'g1' }]);
  });
  it('stays the same stand-in when the Google e-mail changes', () => {
    const g = { firstName: 'Ana', email: 'ana@example.com' };
    const link = linked('L1', 'people/c1', 'z1', g, { zoho: { ...g, lastName: 'ana' }, zSynth: { lastName: 'ana' } });
    const p = plan({ links: [link], google: { records: [rec('people/c1', 'g2', { ...g, email: 'ana@new.example' })] } });
    expect(p.zoho.updates[0]).toMatchObject({ fields: ['email'], contact: { ...g, email: 'ana@new.example', lastName: 'ana' } });
  });
  it('a person overwriting the stand-in in Zoho makes it a real name that flows to Google', () => {
    const g = { firstName: 'Ana', email: 'ana@example.com' };
    const link = linked('L1', 'people/c1', 'z1', g, { zoho: { ...g, lastName: 'ana' }, zSynth: { lastName: 'ana' } });
    const p = plan({ links: [link], zoho: { records: [rec('z1', 'z2', { ...g, lastName: 'Pérez' })] } });
    expect(p.google.updates[0]).toMatchObject({ fields: ['lastName'], contact: { ...g, lastName: 'Pérez' } });
    expect(p.links[0]?.next?.zoho?.synthesized).toBeUndefined();
  });
  it('is replaced by the real family name once Google has one', () => {
    const g = { firstName: 'Ana', email: 'ana@example.com' };
    const link = linked('L1', 'people/c1', 'z1', g, { zoho: { ...g, lastName: 'ana' }, zSynth: { lastName: 'ana' } });
    const p = plan({ links: [link], google: { records: [rec('people/c1', 'g2', { ...g, lastName: 'Pérez' })] } });
    expect(p.zoho.updates[0]).toMatchObject({ fields: ['lastName'] });
    expect(p.links[0]?.awaits.zoho?.state?.synthesized).toBeUndefined();
  });
});

describe('idempotent creates: adoption of an orphan', () => {
  /** The link stored before a Zoho create whose answer was lost. */
  const pending = (): SyncLink => ({ linkId: 'L1', googleId: 'people/c1', google: sideState('g1', ANA, undefined, s) });

  it('a Zoho record carrying our link id is adopted, not duplicated', () => {
    const p = plan({ links: [pending()], zoho: { records: [rec('z7', 'z1', ANA, { linkId: 'L1' })] } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next).toMatchObject({ linkId: 'L1', googleId: 'people/c1', zohoId: 'z7', zoho: { version: 'z1' } });
    expect(p.links[0]?.prior).toEqual(pending());
  });
  it('an adopted record that a Zoho rule changed since brings the change to Google', () => {
    const p = plan({ links: [pending()], zoho: { records: [rec('z7', 'z1', { ...ANA, title: 'Chief' }, { linkId: 'L1' })] } });
    expect(p.google.updates[0]).toMatchObject({ id: 'people/c1', fields: ['title'] });
  });
  it('a pending link whose create never happened is created again from what was stored', () => {
    const p = plan({ links: [pending()] });
    expect(p.zoho.creates).toEqual([{ linkId: 'L1', contact: ANA, retry: true }]);
  });
  it('a link id on a record whose link already has that side is a copy: a new contact', () => {
    const full = linked('L1', 'people/c1', 'z1', ANA);
    const p = plan({ links: [full], zoho: { records: [rec('z8', 'z1', { firstName: 'Copy' }, { linkId: 'L1' })] } });
    expect(p.google.creates).toEqual([{ linkId: linkIdFor('pairing-1', 'zoho', 'z8'), contact: { firstName: 'Copy' } }]);
  });
  it('a Google orphan is adopted the same way', () => {
    const zPending: SyncLink = { linkId: 'L2', zohoId: 'z2', zoho: sideState('z1', ANA, undefined, s) };
    const p = plan({ links: [zPending], google: { records: [rec('people/c5', 'g1', ANA, { linkId: 'L2' })] } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next?.googleId).toBe('people/c5');
  });
});

describe('a link with an id but no stored state', () => {
  it('is updated, never re-created', () => {
    const bare: SyncLink = { linkId: 'L3', googleId: 'people/c3', zohoId: 'z3' };
    const p = plan({ links: [bare], google: { records: [rec('people/c3', 'g1', ANA)] } });
    expect(p.zoho.creates).toEqual([]);
    expect(p.zoho.updates[0]).toMatchObject({ id: 'z3', contact: ANA });
  });
});
