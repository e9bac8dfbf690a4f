import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, isEmptyPlan, parseFieldMapping, type CrmFieldMapping, type SyncDecision, type SyncPlan } from '../../../sync';
import type { Person } from '../../../providers/google/types';
import { counts } from './helpers';
import { World } from './world';

const mapping = (() => {
  const r = parseFieldMapping({ kind: 'crm', phoneRegion: 'US' });
  if (!r.ok) throw new Error('mapping');
  return r.value as CrmFieldMapping;
})();

const planOf = (d: SyncDecision): SyncPlan => {
  if (d.kind !== 'plan') throw new Error(d.halt.message);
  return d.plan;
};
const ANA_PERSON: Person = {
  names: [{ givenName: 'Ana', familyName: 'Pérez' }],
  emailAddresses: [{ value: 'Ana@Example.com', type: 'work' }],
  phoneNumbers: [{ value: '(415) 555-0100', type: 'mobile' }],
};

/** A world after a first sync of one Google contact, one Zoho contact and one contact on both. */
function synced(): World {
  const w = new World(mapping);
  w.putGoogle(ANA_PERSON);
  w.putGoogle({ names: [{ givenName: 'Bo' }], emailAddresses: [{ value: 'bo@example.com' }] });
  w.putZoho({ First_Name: 'Ana', Last_Name: 'Pérez', Email: 'ana@example.com', Mobile: '+1 415-555-0100', Lead_Source: 'Fair' });
  w.putZoho({ First_Name: 'Cy', Last_Name: 'Ode', Email: 'cy@example.com', Title: 'CFO' });
  return w;
}

describe('cycle by cycle, with the real mappers', () => {
  it('first sync: matches on the unique e-mail, creates the rest, then three idle cycles are empty', () => {
    const w = synced();
    const first = planOf(w.cycle(true));
    expect(counts(first)).toEqual({ 'google.creates': 1, 'zoho.creates': 1, links: 3 });
    expect(w.links.size).toBe(3);
    expect(w.google.size).toBe(3);
    expect(w.zoho.size).toBe(3);
    // The echoes of our own creates (new etags, Zoho's Modified_Time) come back in the next pull.
    for (let i = 0; i < 3; i++) expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('the Zoho record created for a Google contact without family name gets a stand-in that never reaches Google', () => {
    const w = synced();
    w.cycle(true);
    const bo = [...w.zoho.values()].find((r) => r.Email === 'bo@example.com');
    expect(bo?.Last_Name).toBe('bo');
    w.putZoho({ ...(bo as NonNullable<typeof bo>), Title: 'Intern' });
    const p = planOf(w.cycle());
    expect(p.google.updates[0]?.fields).toEqual(['title']);
    const person = [...w.google.values()].find((x) => x.emailAddresses?.[0]?.value === 'bo@example.com');
    expect(person?.names).toEqual([{ givenName: 'Bo', displayName: 'Bo' }]);
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it("Google's normalisation (canonicalForm, displayName, a later etag bump) does not ping-pong", () => {
    const w = synced();
    w.cycle(true);
    for (const id of w.google.keys()) w.bumpGoogleEtag(id);
    const p = planOf(w.cycle());
    expect(counts(p)).toEqual({ links: 3 });
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('a Zoho workflow rule that rewrites the record after our write (format, case, unmapped field) does not ping-pong', () => {
    const w = synced();
    w.zohoRule = (r) => {
      if (typeof r.Mobile === 'string') r.Mobile = '(415) 555-0100';
      if (typeof r.Email === 'string') r.Email = r.Email.toUpperCase();
      r.Lead_Source = 'Sync';
    };
    w.cycle(true);
    const ana = [...w.google.entries()].find(([, p]) => p.names?.[0]?.givenName === 'Ana');
    w.putGoogle({ ...(ana?.[1] as Person), organizations: [{ title: 'CTO' }] }, ana?.[0]);
    const p = planOf(w.cycle());
    expect(p.zoho.updates.map((u) => u.fields)).toEqual([['title']]);
    const next = planOf(w.cycle());
    expect(counts(next)).toEqual({ links: 1 }); // the rule's rewrite: a new Modified_Time, the same projection
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('an edit flows across once, then both sides are quiet', () => {
    const w = synced();
    w.cycle(true);
    const cy = [...w.zoho.values()].find((r) => r.First_Name === 'Cy');
    w.putZoho({ ...(cy as NonNullable<typeof cy>), Title: 'CEO', Mobile: '+1 212 555 0199' });
    const p = planOf(w.cycle());
    expect(p.google.updates[0]?.fields).toEqual(['mobile', 'title']);
    const person = [...w.google.values()].find((x) => x.names?.[0]?.givenName === 'Cy');
    expect(person?.organizations).toEqual([{ title: 'CEO' }]);
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('a create whose answer was lost is adopted, not duplicated', () => {
    const w = synced();
    w.cycle(true);
    w.putGoogle({ names: [{ givenName: 'Di', familyName: 'Ng' }] });
    w.loseNextSettlement = true;
    const p = planOf(w.cycle());
    expect(p.zoho.creates).toHaveLength(1);
    const adopted = planOf(w.cycle());
    expect(adopted.zoho.creates).toEqual([]);
    expect(w.zoho.size).toBe(4);
    expect([...w.links.values()].every((l) => l.googleId && l.zohoId)).toBe(true);
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('a stale etag goes back through the policy with the fresh person', () => {
    const w = synced();
    w.cycle(true);
    const [gid, person] = [...w.google.entries()].find(([, x]) => x.names?.[0]?.givenName === 'Ana') ?? [];
    const zana = [...w.zoho.values()].find((r) => r.First_Name === 'Ana');
    w.putZoho({ ...(zana as NonNullable<typeof zana>), Title: 'CTO' });
    // A person edits the Google contact after the pull, before our write: our update meets a newer etag.
    w.beforeWrites = () => void w.putGoogle({ ...(person as Person), organizations: [{ name: 'Acme' }] }, gid);
    const p = planOf(w.cycle());
    expect(p.google.updates).toHaveLength(1);
    const again = w.redecided[0];
    // Both changed now; Google wrote last (lastWriterWins): its content goes to Zoho instead.
    expect(again?.conflicts[0]).toMatchObject({ kind: 'bothChanged', resolution: 'google' });
    expect(again?.google.updates).toEqual([]);
    expect(again?.zoho.updates[0]?.fields).toEqual(['title']);
    expect(w.zoho.get(zana?.id ?? '')?.Title).toBeNull();
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
  it('one deletion among three links is over the 20% guard: the cycle halts and nothing is touched', () => {
    const w = synced();
    w.cycle(true);
    const cy = [...w.zoho.values()].find((r) => r.First_Name === 'Cy');
    w.remove('zoho', cy?.id ?? '');
    const d = w.cycle();
    expect(d.kind).toBe('halt');
    expect(w.links.size).toBe(3);
  });
  it('under the threshold, a deletion tags and unlinks the counterpart (default policy), then stays quiet', () => {
    const w = new World(mapping, { ...DEFAULT_POLICY, maxDeleteFraction: 0.5 });
    w.putZoho({ First_Name: 'Cy', Last_Name: 'Ode', Email: 'cy@example.com' });
    w.putGoogle({ names: [{ givenName: 'Bo' }], emailAddresses: [{ value: 'bo@example.com' }] });
    w.cycle(true);
    const z = [...w.zoho.values()].find((r) => r.First_Name === 'Cy');
    w.remove('zoho', z?.id ?? '');
    const p = planOf(w.cycle());
    expect(counts(p)).toEqual({ 'google.tags': 1, links: 1 });
    expect([...w.links.values()].filter((l) => l.flags?.includes('unlinked'))).toHaveLength(1);
    expect(isEmptyPlan(planOf(w.cycle()))).toBe(true);
  });
});
