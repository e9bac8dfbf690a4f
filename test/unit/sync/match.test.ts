import { describe, expect, it } from 'vitest';
import { linkIdFor, matchKeys } from '../../../sync';
import { ANA, CRM, at, counts, linked, plan, rec } from './helpers';

const complete = true;

describe('first-sync matching', () => {
  it('match keys: lower-case e-mails and E.164 phones only', () => {
    expect(matchKeys(rec('x', 'v', { email: 'Ana@X.io', secondaryEmail: 'a2@x.io', phone: '555-0100', mobile: '+1 415 555 0100' }), { fields: CRM.fields })).toEqual([
      'e:ana@x.io',
      'e:a2@x.io',
      'p:+14155550100',
    ]);
  });
  it('a key unique on both sides links the two contacts without writing anything when they agree', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', ANA)] },
      zoho: { complete, records: [rec('z1', 'z1', { ...ANA, email: 'ANA@example.com' })] },
    });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next).toMatchObject({ linkId: linkIdFor('pairing-1', 'google', 'people/c1'), googleId: 'people/c1', zohoId: 'z1' });
  });
  it('matched by phone when the e-mails differ, and the differences are filled in both ways', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', { firstName: 'Ana', mobile: '+14155550100', title: 'CTO' })] },
      zoho: { complete, records: [rec('z1', 'z1', { lastName: 'Pérez', mobile: '+1 (415) 555-0100', email: 'ana@example.com' })] },
    });
    const merged = { firstName: 'Ana', lastName: 'Pérez', mobile: '+14155550100', email: 'ana@example.com', title: 'CTO' };
    expect(p.google.updates[0]).toMatchObject({ id: 'people/c1', contact: merged, fields: ['lastName', 'email'] });
    expect(p.zoho.updates[0]).toMatchObject({ id: 'z1', fields: ['firstName', 'title'] });
    expect(p.conflicts).toEqual([]);
  });
  it('different non-empty values at first match go to the policy winner and are recorded', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', { ...ANA, title: 'CTO' }, { updatedAt: at(5) })] },
      zoho: { complete, records: [rec('z1', 'z1', { ...ANA, title: 'Founder' }, { updatedAt: at(1) })] },
    });
    expect(p.zoho.updates[0]).toMatchObject({ fields: ['title'], contact: { title: 'CTO' } });
    expect(p.conflicts[0]).toMatchObject({ kind: 'firstMatch', resolution: 'merged' });
  });
  it('a key held by two Google contacts is ambiguous: all three are created, not merged, and flagged', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', { firstName: 'Ana', email: 'info@acme.test' }), rec('people/c2', 'g1', { firstName: 'Bo', email: 'info@acme.test' })] },
      zoho: { complete, records: [rec('z1', 'z1', { lastName: 'Acme', email: 'info@acme.test' })] },
    });
    expect(counts(p)).toEqual({ 'google.creates': 1, 'zoho.creates': 2, links: 3, flags: 3 });
    expect(p.flags.map((f) => [f.side, f.id, f.flag])).toEqual([
      ['google', 'people/c1', 'ambiguousMatch'],
      ['google', 'people/c2', 'ambiguousMatch'],
      ['zoho', 'z1', 'ambiguousMatch'],
    ]);
    expect(p.links.every((l) => l.next?.flags?.includes('ambiguousMatch'))).toBe(true);
  });
  it('a key held by two Zoho contacts is ambiguous for the Google contact that has it', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', { firstName: 'Ana', mobile: '+14155550100' })] },
      zoho: { complete, records: [rec('z1', 'z1', { lastName: 'A', mobile: '+14155550100' }), rec('z2', 'z1', { lastName: 'B', mobile: '(415) 555-0100' })] },
      fields: { ...CRM, phoneRegion: 'US' },
    });
    expect(counts(p)).toMatchObject({ 'google.creates': 2, 'zoho.creates': 1, flags: 3 });
  });
  it('keys pointing to two different contacts are ambiguous', () => {
    const p = plan({
      google: { complete, records: [rec('people/c1', 'g1', { email: 'a@x.io', mobile: '+14155550100' })] },
      zoho: { complete, records: [rec('z1', 'z1', { lastName: 'A', email: 'a@x.io' }), rec('z2', 'z1', { lastName: 'B', mobile: '+14155550100' })] },
    });
    expect(p.flags.map((f) => f.id)).toEqual(['people/c1', 'z1', 'z2']);
  });
  it('a key shared with an already linked contact is ambiguous', () => {
    const l = linked('L1', 'people/c1', 'z1', ANA);
    const p = plan({
      links: [l],
      google: { complete, records: [rec('people/c1', 'g1', ANA), rec('people/c2', 'g1', { firstName: 'Other', email: ANA.email as string })] },
      zoho: { complete, records: [rec('z1', 'z1', ANA)] },
    });
    expect(counts(p)).toEqual({ 'zoho.creates': 1, links: 1, flags: 1 });
  });
  it('without complete listings on both sides nothing is matched: new contacts are created', () => {
    const p = plan({ google: { records: [rec('people/c1', 'g1', ANA)] }, zoho: { complete, records: [rec('z1', 'z1', ANA)] } });
    expect(counts(p)).toEqual({ 'google.creates': 1, 'zoho.creates': 1, links: 2 });
  });
  it('a contact without keys is simply created on the other side, unflagged', () => {
    const p = plan({ google: { complete, records: [rec('people/c1', 'g1', { firstName: 'Solo' })] }, zoho: { complete, records: [] } });
    expect(counts(p)).toEqual({ 'zoho.creates': 1, links: 1 });
  });
});
