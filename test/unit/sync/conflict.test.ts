import { describe, expect, it } from 'vitest';
import { lastWriter, type Contact, type SyncPolicy } from '../../../sync';
import { ANA, at, counts, linked, plan, rec } from './helpers';

const L = () => linked('L1', 'people/c1', 'z1', ANA);
/** Google edited at minute gMin, Zoho at minute zMin. */
function both(g: Contact, z: Contact, conflict: SyncPolicy['conflict'], gMin = 1, zMin = 2) {
  return plan({
    links: [L()],
    policy: { conflict },
    google: { records: [rec('people/c1', 'g2', g, { updatedAt: at(gMin) })] },
    zoho: { records: [rec('z1', 'z2', z, { updatedAt: at(zMin) })] },
  });
}
const G = { ...ANA, title: 'CEO' };
const Z = { ...ANA, title: 'Founder' };

describe('both sides changed', () => {
  it('equal content is no conflict, only both versions noted', () => {
    const p = both({ ...ANA, title: 'CEO' }, { ...ANA, title: 'CEO', email: 'ANA@example.com' }, 'lastWriterWins');
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next).toMatchObject({ google: { version: 'g2' }, zoho: { version: 'z2' } });
  });
  it('lastWriterWins: the later provider time wins (Zoho later)', () => {
    const p = both(G, Z, 'lastWriterWins', 1, 2);
    expect(counts(p)).toEqual({ 'google.updates': 1, links: 1, conflicts: 1 });
    expect(p.google.updates[0]).toMatchObject({ contact: Z, fields: ['title'], baseVersion: 'g2' });
    expect(p.conflicts[0]).toMatchObject({ kind: 'bothChanged', policy: 'lastWriterWins', resolution: 'zoho', result: Z });
  });
  it('lastWriterWins: the later provider time wins (Google later)', () => {
    const p = both(G, Z, 'lastWriterWins', 3, 2);
    expect(p.zoho.updates[0]).toMatchObject({ contact: G, fields: ['title'] });
    expect(p.conflicts[0]?.resolution).toBe('google');
  });
  it('googleWins and zohoWins ignore the times', () => {
    expect(both(G, Z, 'googleWins', 1, 9).zoho.updates[0]?.contact).toEqual(G);
    expect(both(G, Z, 'zohoWins', 9, 1).google.updates[0]?.contact).toEqual(Z);
  });
  it('the conflict record holds both versions and the differing fields', () => {
    const c = both(G, Z, 'googleWins').conflicts[0];
    expect(c).toEqual({
      linkId: 'L1',
      googleId: 'people/c1',
      zohoId: 'z1',
      kind: 'bothChanged',
      policy: 'googleWins',
      resolution: 'google',
      google: { deleted: false, id: 'people/c1', version: 'g2', updatedAt: at(1), contact: G },
      zoho: { deleted: false, id: 'z1', version: 'z2', updatedAt: at(2), contact: Z },
      fields: [{ field: 'title', google: 'CEO', zoho: 'Founder', changedOn: ['google', 'zoho'], winner: 'google' }],
      result: G,
    });
  });
  it('fieldMerge: each side keeps the field it changed; both sides are written', () => {
    const g = { ...ANA, title: 'CEO' };
    const z = { ...ANA, mobile: '+14155550199' };
    const p = both(g, z, 'fieldMerge');
    const merged = { ...ANA, title: 'CEO', mobile: '+14155550199' };
    expect(p.google.updates[0]).toMatchObject({ contact: merged, fields: ['mobile'] });
    expect(p.zoho.updates[0]).toMatchObject({ contact: merged, fields: ['title'] });
    expect(p.links[0]?.awaits).toMatchObject({ google: { op: 'update' }, zoho: { op: 'update' } });
    expect(p.conflicts[0]).toMatchObject({ resolution: 'merged', result: merged });
    expect(p.conflicts[0]?.fields.map((f) => [f.field, f.winner, f.changedOn])).toEqual([
      ['mobile', 'zoho', ['zoho']],
      ['title', 'google', ['google']],
    ]);
  });
  it('fieldMerge: a field both changed goes to the last writer, per field', () => {
    const g = { ...ANA, title: 'CEO', firstName: 'Anita' };
    const z = { ...ANA, title: 'Founder' };
    const p = both(g, z, 'fieldMerge', 1, 2);
    const merged = { ...ANA, title: 'Founder', firstName: 'Anita' };
    expect(p.conflicts[0]?.result).toEqual(merged);
    expect(p.google.updates[0]?.fields).toEqual(['title']);
    expect(p.zoho.updates[0]?.fields).toEqual(['firstName']);
  });
  it('never our clock: without provider times the tie-break is fixed (Google), whatever the input order', () => {
    const p = plan({
      links: [L()],
      zoho: { records: [rec('z1', 'z2', Z)] },
      google: { records: [rec('people/c1', 'g2', G)] },
    });
    expect(p.conflicts[0]?.resolution).toBe('google');
  });
});

describe('lastWriter', () => {
  it('later time wins; a missing time loses; a tie goes to Google', () => {
    expect(lastWriter(at(1), at(2))).toBe('zoho');
    expect(lastWriter(at(2), at(1))).toBe('google');
    expect(lastWriter(undefined, at(1))).toBe('zoho');
    expect(lastWriter(at(1), undefined)).toBe('google');
    expect(lastWriter(at(1), at(1))).toBe('google');
  });
});
