import { describe, expect, it } from 'vitest';
import { contactHash, isEmptyPlan } from '../../../sync';
import { ANA, CRM, counts, linked, plan, rec } from './helpers';

const L = () => linked('L1', 'people/c1', 'z1', ANA);
const s = { fields: CRM.fields };

describe('change detection: a change counts only when version and content both moved', () => {
  it('same version, nothing to do', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g1', ANA)] }, zoho: { records: [rec('z1', 'z1', ANA)] } });
    expect(isEmptyPlan(p)).toBe(true);
  });
  it('a new etag with the same content only notes the version', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g2', { ...ANA, email: 'ANA@example.com' })] } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next?.google?.version).toBe('g2');
    expect(p.links[0]?.awaits).toEqual({});
  });
  it('the same Google etag with other content is not a change (Google re-reading our write; every edit moves the etag)', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g1', { ...ANA, title: 'CEO' })] } });
    expect(isEmptyPlan(p)).toBe(true);
  });
  it('a Zoho edit in the same second as our write (the same Modified_Time, other content) is a change', () => {
    // Zoho's version is Modified_Time, to the second: a person's edit right after our write keeps it.
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z1', { ...ANA, title: 'CEO' })] } });
    expect(counts(p)).toEqual({ 'google.updates': 1, links: 1 });
    expect(p.google.updates[0]).toMatchObject({ id: 'people/c1', fields: ['title'] });
    expect(p.links[0]?.next?.zoho).toMatchObject({ version: 'z1', hash: contactHash({ ...ANA, title: 'CEO' }, s) });
  });
  it('a Google edit updates Zoho with exactly the changed fields', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g2', { ...ANA, title: 'CEO' })] } });
    expect(counts(p)).toEqual({ 'zoho.updates': 1, links: 1 });
    expect(p.zoho.updates[0]).toEqual({ linkId: 'L1', id: 'z1', contact: { ...ANA, title: 'CEO' }, fields: ['title'], baseVersion: 'z1' });
  });
  it('the link stores the source as seen and the target as it will be once written', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g2', { ...ANA, title: 'CEO' })] } });
    const w = p.links[0];
    expect(w?.next?.google).toMatchObject({ version: 'g2', hash: contactHash({ ...ANA, title: 'CEO' }, s) });
    expect(w?.awaits.zoho).toEqual({ op: 'update', state: { version: '', hash: contactHash({ ...ANA, title: 'CEO' }, s), contact: { ...ANA, title: 'CEO' } } });
    expect(w?.storeBeforeWrites).toBe(false);
  });
  it('a Zoho edit updates Google', () => {
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z2', { ...ANA, mobile: '+14155550199' })] } });
    expect(p.google.updates).toEqual([{ linkId: 'L1', id: 'people/c1', contact: { ...ANA, mobile: '+14155550199' }, fields: ['mobile'], baseVersion: 'g1' }]);
  });
  it('a field cleared on one side is cleared on the other', () => {
    const { title: _t, ...noTitle } = ANA;
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z2', noTitle)] } });
    expect(p.google.updates[0]).toMatchObject({ contact: noTitle, fields: ['title'] });
  });
});

describe('echo suppression', () => {
  it('our own write coming back (its version already stored) is nothing', () => {
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z1', ANA)] }, google: { records: [rec('people/c1', 'g1', ANA)] } });
    expect(isEmptyPlan(p)).toBe(true);
  });
  it('a Zoho workflow rule that reformats the phone and lower-cases the e-mail after our write does not ping-pong', () => {
    const rewritten = { ...ANA, mobile: '(415) 555-0100', email: 'ANA@EXAMPLE.COM' };
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z1-rule', rewritten)] }, fields: { ...CRM, phoneRegion: 'US' } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next?.zoho?.version).toBe('z1-rule');
  });
  it('a rule that rewrites an unmapped field (same projection) is only a version bump', () => {
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z1-rule', ANA)] } });
    expect(counts(p)).toEqual({ links: 1 });
  });
  it('a rule that changes a mapped value flows once to Google, then both sides are quiet', () => {
    const upper = { ...ANA, lastName: 'PÉREZ' };
    const first = plan({ links: [L()], zoho: { records: [rec('z1', 'z2', upper)] } });
    expect(first.google.updates[0]?.fields).toEqual(['lastName']);
    const w = first.links[0];
    if (!w?.next || !w.awaits.google?.state) throw new Error('no link write');
    const after = { ...w.next, google: { ...w.awaits.google.state, version: 'g2' } };
    const second = plan({ links: [after], google: { records: [rec('people/c1', 'g2', upper)] }, zoho: { records: [rec('z1', 'z2', upper)] } });
    expect(isEmptyPlan(second)).toBe(true);
  });
  it('Google-side read-only: a Zoho read-only field (Account_Name) is never written to Zoho', () => {
    const p = plan({ links: [L()], google: { records: [rec('people/c1', 'g2', { ...ANA, organization: 'Acme' })] } });
    expect(counts(p)).toEqual({ links: 1 });
    expect(p.links[0]?.next?.google?.contact.organization).toBe('Acme');
  });
  it('a Zoho read-only field flows to Google when Zoho changes it', () => {
    const p = plan({ links: [L()], zoho: { records: [rec('z1', 'z2', { ...ANA, organization: 'Zylker' })] } });
    expect(p.google.updates[0]).toMatchObject({ fields: ['organization'] });
  });
});
