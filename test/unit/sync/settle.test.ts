import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, redecide, settleLink, type LinkWrite } from '../../../sync';
import { ANA, CRM, at, linked, plan, rec } from './helpers';

const only = (ws: LinkWrite[]): LinkWrite => {
  const [w] = ws;
  if (!w || ws.length !== 1) throw new Error(`expected one link write, got ${ws.length}`);
  return w;
};

describe('settleLink', () => {
  it('a create fills in the new id and version', () => {
    const w = only(plan({ google: { records: [rec('people/c9', 'g1', ANA)] } }).links);
    const s = settleLink(w, { zoho: { ok: true, id: 'z9', version: '2026-11-30T10:00:00+00:00' } });
    expect(s.op).toBe('upsert');
    if (s.op !== 'upsert') return;
    expect(s.link).toMatchObject({ googleId: 'people/c9', zohoId: 'z9', zoho: { version: '2026-11-30T10:00:00+00:00', contact: ANA } });
  });
  it('an update fills in the version from the answer', () => {
    const w = only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], zoho: { records: [rec('z1', 'z2', { ...ANA, title: 'CEO' })] } }).links);
    const s = settleLink(w, { google: { ok: true, version: 'g-new' } });
    expect(s).toMatchObject({ op: 'upsert', link: { googleId: 'people/c1', google: { version: 'g-new', contact: { title: 'CEO' } }, zoho: { version: 'z2' } } });
  });
  it('an answer without a version leaves it empty (the next read notes the real one)', () => {
    const w = only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], google: { records: [rec('people/c1', 'g2', { ...ANA, title: 'CEO' })] } }).links);
    expect(settleLink(w, { zoho: { ok: true } })).toMatchObject({ op: 'upsert', link: { zoho: { version: '' } } });
  });
  it('a failed write keeps the stored link as it was', () => {
    const w = only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], google: { records: [rec('people/c1', 'g2', { ...ANA, title: 'CEO' })] } }).links);
    expect(settleLink(w, { zoho: { ok: false, reason: 'failed' } })).toEqual({ op: 'keep', linkId: 'L1', failed: ['zoho'] });
    expect(settleLink(w, {})).toEqual({ op: 'keep', linkId: 'L1', failed: ['zoho'] });
  });
  it('a create answered without an id is a failure', () => {
    const w = only(plan({ google: { records: [rec('people/c9', 'g1', ANA)] } }).links);
    expect(settleLink(w, { zoho: { ok: true } }).op).toBe('keep');
  });
  it('a delete that finds nothing is done; the link goes', () => {
    const w = only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], totalLinks: 10, policy: { deletion: 'delete' }, google: { deleted: ['people/c1'] } }).links);
    expect(settleLink(w, { zoho: { ok: false, reason: 'notFound' } })).toEqual({ op: 'delete', linkId: 'L1' });
  });
  it('a version note needs no write', () => {
    const w = only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], google: { records: [rec('people/c1', 'g2', ANA)] } }).links);
    expect(settleLink(w, {})).toMatchObject({ op: 'upsert', link: { google: { version: 'g2' } } });
  });
  it('fieldMerge: both writes must succeed', () => {
    const w = only(
      plan({
        links: [linked('L1', 'people/c1', 'z1', ANA)],
        policy: { conflict: 'fieldMerge' },
        google: { records: [rec('people/c1', 'g2', { ...ANA, title: 'CEO' })] },
        zoho: { records: [rec('z1', 'z2', { ...ANA, firstName: 'Anita' })] },
      }).links,
    );
    expect(settleLink(w, { google: { ok: true, version: 'g3' }, zoho: { ok: false, reason: 'failed' } }).op).toBe('keep');
    expect(settleLink(w, { google: { ok: true, version: 'g3' }, zoho: { ok: true, version: 'z3' } })).toMatchObject({
      op: 'upsert',
      link: { google: { version: 'g3' }, zoho: { version: 'z3' } },
    });
  });
});

describe('redecide after a stale etag', () => {
  const base = { pairingId: 'pairing-1', fields: CRM };
  /** Zoho changed the title; the plan updates Google at etag g1. */
  const zohoEdit = () => only(plan({ links: [linked('L1', 'people/c1', 'z1', ANA)], zoho: { records: [rec('z1', 'z2', { ...ANA, title: 'CEO' }, { updatedAt: at(1) })] } }).links);

  it('a Google etag bump with the same content: the same update, at the fresh etag', () => {
    const p = redecide({ ...base, policy: DEFAULT_POLICY, write: zohoEdit(), fresh: { side: 'google', record: rec('people/c1', 'g9', ANA) } });
    expect(p.google.updates).toEqual([{ linkId: 'L1', id: 'people/c1', contact: { ...ANA, title: 'CEO' }, fields: ['title'], baseVersion: 'g9' }]);
    expect(p.conflicts).toEqual([]);
  });
  it('a real Google edit in between goes through the policy (Google wrote later: Zoho is updated instead)', () => {
    const fresh = rec('people/c1', 'g9', { ...ANA, title: 'Founder' }, { updatedAt: at(2) });
    const p = redecide({ ...base, policy: DEFAULT_POLICY, write: zohoEdit(), fresh: { side: 'google', record: fresh } });
    expect(p.google.updates).toEqual([]);
    expect(p.zoho.updates[0]).toMatchObject({ fields: ['title'], contact: { title: 'Founder' } });
    expect(p.conflicts[0]).toMatchObject({ kind: 'bothChanged', resolution: 'google' });
  });
  it('fieldMerge keeps both edits', () => {
    const fresh = rec('people/c1', 'g9', { ...ANA, firstName: 'Anita' }, { updatedAt: at(2) });
    const p = redecide({ ...base, policy: { ...DEFAULT_POLICY, conflict: 'fieldMerge' }, write: zohoEdit(), fresh: { side: 'google', record: fresh } });
    expect(p.google.updates[0]).toMatchObject({ fields: ['title'], baseVersion: 'g9' });
    expect(p.zoho.updates[0]).toMatchObject({ fields: ['firstName'] });
  });
  it('the same content on both sides now: no write, both versions noted', () => {
    const fresh = rec('people/c1', 'g9', { ...ANA, title: 'CEO' });
    const p = redecide({ ...base, policy: DEFAULT_POLICY, write: zohoEdit(), fresh: { side: 'google', record: fresh } });
    expect(p.google.updates).toEqual([]);
    expect(p.links[0]?.next).toMatchObject({ google: { version: 'g9' }, zoho: { version: 'z2' } });
  });
});
