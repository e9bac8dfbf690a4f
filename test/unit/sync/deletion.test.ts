import { describe, expect, it } from 'vitest';
import { isEmptyPlan, type SyncLink } from '../../../sync';
import { ANA, counts, halt, linked, plan, rec } from './helpers';

const L = () => linked('L1', 'people/c1', 'z1', ANA);
/** n synced links, L0..L(n-1), people/c<i> <-> z<i>. */
const many = (n: number): SyncLink[] => Array.from({ length: n }, (_, i) => linked(`L${i}`, `people/c${i}`, `z${i}`, { ...ANA, email: `p${i}@example.com` }));
const listing = (links: SyncLink[], side: 'google' | 'zoho') =>
  links.map((l) => rec((side === 'google' ? l.googleId : l.zohoId) as string, side === 'google' ? 'g1' : 'z1', l[side]?.contact ?? {}));

describe('deletion policy', () => {
  it('delete: a Google deletion deletes the Zoho contact, then the link', () => {
    const p = plan({ links: [L()], totalLinks: 10, policy: { deletion: 'delete' }, google: { deleted: ['people/c1'] } });
    expect(counts(p)).toEqual({ 'zoho.deletes': 1, links: 1 });
    expect(p.zoho.deletes[0]).toEqual({ linkId: 'L1', id: 'z1' });
    expect(p.links[0]).toMatchObject({ next: null, awaits: { zoho: { op: 'delete' } } });
  });
  it('delete: a Zoho deletion deletes the Google contact', () => {
    const p = plan({ links: [L()], totalLinks: 10, policy: { deletion: 'delete' }, zoho: { deleted: ['z1'] } });
    expect(p.google.deletes).toEqual([{ linkId: 'L1', id: 'people/c1' }]);
  });
  it('unlinkAndTag: the survivor is tagged and the link kept as a tombstone without the deleted side', () => {
    const p = plan({ links: [L()], totalLinks: 10, zoho: { deleted: ['z1'] } });
    expect(counts(p)).toEqual({ 'google.tags': 1, links: 1 });
    expect(p.google.tags[0]).toEqual({ linkId: 'L1', id: 'people/c1', tag: 'sync-unlinked' });
    const next = p.links[0]?.next;
    expect(next).toMatchObject({ linkId: 'L1', googleId: 'people/c1', flags: ['unlinked'] });
    expect(next?.zohoId).toBeUndefined();
  });
  it('a tombstone ignores later edits of the survivor, and goes when the survivor is deleted too', () => {
    const tomb: SyncLink = { linkId: 'L1', googleId: 'people/c1', google: L().google, flags: ['unlinked'] } as SyncLink;
    expect(isEmptyPlan(plan({ links: [tomb], totalLinks: 10, google: { records: [rec('people/c1', 'g5', { ...ANA, title: 'X' })] } }))).toBe(true);
    const p = plan({ links: [tomb], totalLinks: 10, google: { deleted: ['people/c1'] } });
    expect(p.links[0]).toMatchObject({ next: null, awaits: {} });
  });
  it('deleted on both sides: the link goes, nothing is written', () => {
    const p = plan({ links: [L()], totalLinks: 10, google: { deleted: ['people/c1'] }, zoho: { deleted: ['z1'] } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next).toBeNull();
  });
  it('the deletion echo of our own delete (no link any more) is nothing', () => {
    expect(isEmptyPlan(plan({ links: [], google: { deleted: ['people/c1'] } }))).toBe(true);
  });
});

describe('deleted on one side, edited on the other', () => {
  const edited = { ...ANA, title: 'CEO' };
  it('the edit wins: the deleted side is re-created under the same link id', () => {
    const p = plan({ links: [L()], totalLinks: 10, google: { deleted: ['people/c1'] }, zoho: { records: [rec('z1', 'z2', edited)] } });
    expect(counts(p)).toEqual({ 'google.creates': 1, links: 1, conflicts: 1 });
    expect(p.google.creates[0]).toEqual({ linkId: 'L1', contact: edited });
    const w = p.links[0];
    expect(w?.storeBeforeWrites).toBe(true);
    expect(w?.next?.googleId).toBeUndefined();
    expect(w?.next?.zoho?.version).toBe('z2');
    expect(p.conflicts[0]).toMatchObject({ kind: 'deleteVsEdit', resolution: 'recreated', google: { deleted: true }, zoho: { deleted: false, contact: edited } });
  });
  it('deletionsWin with delete: the edited side is deleted too', () => {
    const p = plan({ links: [L()], totalLinks: 10, policy: { deletionsWin: true, deletion: 'delete' }, google: { deleted: ['people/c1'] }, zoho: { records: [rec('z1', 'z2', edited)] } });
    expect(counts(p)).toEqual({ 'zoho.deletes': 1, links: 1, conflicts: 1 });
    expect(p.conflicts[0]).toMatchObject({ kind: 'deleteVsEdit', resolution: 'deleted' });
  });
  it('deletionsWin with unlinkAndTag: the edited side is tagged and unlinked', () => {
    const p = plan({ links: [L()], totalLinks: 10, policy: { deletionsWin: true }, zoho: { deleted: ['z1'] }, google: { records: [rec('people/c1', 'g2', edited)] } });
    expect(counts(p)).toEqual({ 'google.tags': 1, links: 1, conflicts: 1 });
    expect(p.conflicts[0]?.resolution).toBe('unlinked');
  });
  it('a version bump without content change is not an edit: the deletion policy applies', () => {
    const p = plan({ links: [L()], totalLinks: 10, policy: { deletion: 'delete' }, google: { deleted: ['people/c1'] }, zoho: { records: [rec('z1', 'z2', ANA)] } });
    expect(counts(p)).toEqual({ 'zoho.deletes': 1, links: 1 });
  });
});

describe('deletions inferred by set difference', () => {
  it('only from a complete listing', () => {
    const links = many(10);
    const partial = listing(links, 'zoho').slice(1);
    expect(isEmptyPlan(plan({ links, zoho: { records: partial, complete: false } }))).toBe(true);
    const p = plan({ links, policy: { deletion: 'delete' }, zoho: { records: partial, complete: true } });
    expect(p.google.deletes).toEqual([{ linkId: 'L0', id: 'people/c0' }]);
  });
  it('a complete listing that holds every linked record infers nothing', () => {
    const links = many(5);
    expect(isEmptyPlan(plan({ links, google: { records: listing(links, 'google'), complete: true } }))).toBe(true);
  });
});

describe('mass-delete guard', () => {
  it('a complete listing that is suddenly empty while links exist halts', () => {
    const h = halt({ links: many(10), google: { records: [], complete: true } });
    expect(h).toMatchObject({ reason: 'emptySide', side: 'google', totalLinks: 10 });
    expect(h.message).toMatch(/google listing is empty while 10 linked contacts exist/);
  });
  it('an empty complete listing with no links is a plain first sync', () => {
    expect(isEmptyPlan(plan({ links: [], google: { records: [], complete: true }, zoho: { records: [], complete: true } }))).toBe(true);
  });
  it('more than 20% of the linked contacts deleted halts', () => {
    const links = many(10);
    const h = halt({ links, zoho: { records: listing(links, 'zoho').slice(3), complete: true } });
    expect(h).toMatchObject({ reason: 'massDelete', deletions: 3, totalLinks: 10, maxDeleteFraction: 0.2 });
  });
  it('exactly at the threshold passes (2 of 10, and 3 of 15 despite floating point)', () => {
    const ten = many(10);
    expect(plan({ links: ten, policy: { deletion: 'delete' }, zoho: { records: listing(ten, 'zoho').slice(2), complete: true } }).google.deletes).toHaveLength(2);
    const fifteen = many(15);
    expect(plan({ links: fifteen, policy: { deletion: 'delete' }, google: { deleted: ['people/c0', 'people/c1', 'people/c2'] } }).zoho.deletes).toHaveLength(3);
  });
  it('reported deletions count as well, against every link of the pairing', () => {
    const h = halt({ links: [L()], totalLinks: 4, google: { deleted: ['people/c1'] } });
    expect(h).toMatchObject({ reason: 'massDelete', deletions: 1, totalLinks: 4 });
  });
  it('the threshold is the pairing policy', () => {
    const links = many(10);
    const p = plan({ links, policy: { maxDeleteFraction: 0.5, deletion: 'delete' }, zoho: { records: listing(links, 'zoho').slice(5), complete: true } });
    expect(p.google.deletes).toHaveLength(5);
  });
  it('an operator confirmation lets a halted cycle through', () => {
    const links = many(10);
    const p = plan({ links, allowMassDelete: true, policy: { deletion: 'delete' }, google: { records: [], complete: true } });
    expect(p.zoho.deletes).toHaveLength(10);
  });
});
