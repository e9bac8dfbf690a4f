import { describe, expect, it } from 'vitest';
import {
  contactUpdateTime,
  googleChanges,
  LINK_ID_KEY,
  personForCreate,
  personForUpdate,
  personToContact,
  personToRecord,
  type GoogleMapping,
} from '../../../providers/google/mapper';
import type { Person } from '../../../providers/google/types';
import { contactHash } from '../../../sync';
import { CRM, fieldsOf } from './helpers';

const m: GoogleMapping = { fields: CRM.fields, phoneRegion: 'US' };
const src = { type: 'CONTACT', id: 'c1' };

/** A person as Google returns it: computed displayName, canonicalForm, item metadata, an unmapped third e-mail. */
const ANA_PERSON: Person = {
  resourceName: 'people/c1',
  etag: '%EgUBAgMuNz0a',
  metadata: { sources: [{ type: 'CONTACT', id: 'c1', etag: '#abc', updateTime: '2026-11-30T10:00:00.123Z' }], objectType: 'PERSON' },
  names: [{ metadata: { primary: true, source: src }, givenName: 'Ana', middleName: 'Luisa', familyName: 'Pérez', displayName: 'Ana Luisa Pérez' }],
  emailAddresses: [
    { metadata: { primary: true, source: src }, value: 'Ana@Example.com', type: 'work' },
    { metadata: { source: src }, value: 'ana@home.test', type: 'home' },
    { metadata: { source: src }, value: 'ana@third.test', type: 'other' },
  ],
  phoneNumbers: [
    { metadata: { primary: true, source: src }, value: '(415) 555-0100', canonicalForm: '+14155550100', type: 'mobile' },
    { metadata: { source: src }, value: '+1 212 555 0199', canonicalForm: '+12125550199', type: 'work' },
  ],
  organizations: [{ metadata: { primary: true, source: src }, name: 'Acme', title: 'CTO', department: 'R&D' } as Person['organizations'] extends (infer T)[] | undefined ? T : never],
  biographies: [{ value: 'Met at the fair\r\n', contentType: 'TEXT_PLAIN' }],
  clientData: [{ key: 'other-app', value: 'x' }, { key: LINK_ID_KEY, value: 'L1' }],
};

const ANA = {
  firstName: 'Ana',
  lastName: 'Pérez',
  email: 'Ana@Example.com',
  secondaryEmail: 'ana@home.test',
  phone: '+12125550199',
  mobile: '+14155550100',
  organization: 'Acme',
  title: 'CTO',
  notes: 'Met at the fair',
};

describe('Google Person -> contact', () => {
  it('reads the mapped fields; canonicalForm is the phone value; displayName is ignored', () => {
    expect(personToContact(ANA_PERSON, m)).toEqual(ANA);
  });
  it('the record: resourceName, etag as version, the CONTACT source updateTime, our link id', () => {
    expect(personToRecord(ANA_PERSON, m)).toEqual({ id: 'people/c1', version: '%EgUBAgMuNz0a', updatedAt: Date.parse('2026-11-30T10:00:00.123Z'), contact: ANA, linkId: 'L1' });
  });
  it('the update time comes from the CONTACT source only', () => {
    expect(contactUpdateTime({ metadata: { sources: [{ type: 'PROFILE', id: 'p', updateTime: '2026-01-01T00:00:00Z' }] } })).toBeUndefined();
  });
  it('the primary e-mail comes first even when Google lists it later', () => {
    const p: Person = { emailAddresses: [{ value: 'b@x.io' }, { value: 'a@x.io', metadata: { primary: true } }] };
    expect(personToContact(p, m)).toEqual({ email: 'a@x.io', secondaryEmail: 'b@x.io' });
  });
  it('with only one phone field mapped it takes the first phone, whatever its type', () => {
    const creator = { fields: fieldsOf({ kind: 'creator' }).fields };
    expect(personToContact(ANA_PERSON, creator)).toEqual({ firstName: 'Ana', lastName: 'Pérez', email: 'Ana@Example.com', phone: '+14155550100' });
  });
  it('a phone without canonicalForm is normalised with the pairing region', () => {
    expect(personToContact({ phoneNumbers: [{ value: '415 555 0100', type: 'mobile' }] }, m)).toEqual({ mobile: '+14155550100' });
  });
  it('deleted people in sync results are deletions', () => {
    const r = googleChanges([ANA_PERSON, { resourceName: 'people/c2', etag: 'e', metadata: { deleted: true } }], m);
    expect(r.deleted).toEqual(['people/c2']);
    expect(r.records.map((x) => x.id)).toEqual(['people/c1']);
  });
  it("Google's own normalisation does not change the projection's hash", () => {
    const written: Person = { names: [{ givenName: 'Ana', familyName: 'Pérez' }], emailAddresses: [{ value: 'ana@example.com' }], phoneNumbers: [{ value: '+14155550100', type: 'mobile' }] };
    const readBack: Person = {
      names: [{ givenName: 'Ana', familyName: 'Pérez', displayName: 'Ana Pérez', metadata: { primary: true } }],
      emailAddresses: [{ value: 'ANA@example.com', metadata: { primary: true } }],
      phoneNumbers: [{ value: '+1 415-555-0100', canonicalForm: '+14155550100', type: 'mobile' }],
    };
    expect(contactHash(personToContact(readBack, m), m)).toBe(contactHash(personToContact(written, m), m));
  });
});

describe('contact -> Google Person', () => {
  it('a create carries the mapped fields and our link id in clientData', () => {
    const p = personForCreate({ linkId: 'L9', contact: { firstName: 'Bo', email: 'bo@x.io', mobile: '+14155550100', phone: '+12125550199', notes: 'n' } }, m);
    expect(p).toEqual({
      names: [{ givenName: 'Bo' }],
      emailAddresses: [{ value: 'bo@x.io', type: 'work' }],
      phoneNumbers: [
        { value: '+12125550199', type: 'work' },
        { value: '+14155550100', type: 'mobile' },
      ],
      biographies: [{ value: 'n', contentType: 'TEXT_PLAIN' }],
      clientData: [{ key: LINK_ID_KEY, value: 'L9' }],
    });
  });
  it('round-trip: a created person reads back as the contact', () => {
    const c = { firstName: 'Bo', lastName: 'Li', email: 'bo@x.io', secondaryEmail: 'b2@x.io', mobile: '+14155550100', phone: '+12125550199', organization: 'Acme', title: 'CEO', notes: 'a\nb' };
    expect(personToContact(personForCreate({ linkId: 'L', contact: c }, m), m)).toEqual(c);
  });
  it('an update names only the person fields it writes, with the etag', () => {
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: { ...ANA, title: 'CEO' }, fields: ['title'], baseVersion: ANA_PERSON.etag ?? '' }, m);
    expect(u?.updatePersonFields).toEqual(['organizations']);
    expect(u?.person).toEqual({ resourceName: 'people/c1', etag: '%EgUBAgMuNz0a', organizations: [{ name: 'Acme', title: 'CEO', department: 'R&D' }] });
  });
  it('a name change keeps the middle name and leaves displayName for Google to compute', () => {
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: { ...ANA, lastName: 'Pérez García' }, fields: ['lastName'], baseVersion: '' }, m);
    expect(u?.person.names).toEqual([{ givenName: 'Ana', middleName: 'Luisa', familyName: 'Pérez García' }]);
  });
  it('e-mails: the written one replaces its entry (keeping its type), other entries stay as they were', () => {
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: { ...ANA, secondaryEmail: 'ana@new.test' }, fields: ['secondaryEmail'], baseVersion: '' }, m);
    expect(u?.updatePersonFields).toEqual(['emailAddresses']);
    expect(u?.person.emailAddresses).toEqual([
      { value: 'Ana@Example.com', type: 'work' },
      { value: 'ana@new.test', type: 'home' },
      { value: 'ana@third.test', type: 'other' },
    ]);
  });
  it('phones: an unchanged phone keeps its format; the written one drops the computed canonicalForm', () => {
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: { ...ANA, mobile: '+14155550111' }, fields: ['mobile'], baseVersion: '' }, m);
    expect(u?.person.phoneNumbers).toEqual([
      { value: '+1 212 555 0199', canonicalForm: '+12125550199', type: 'work' },
      { value: '+14155550111', type: 'mobile' },
    ]);
  });
  it('a cleared field removes its entry', () => {
    const { title: _t, ...noTitle } = ANA;
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: noTitle, fields: ['title'], baseVersion: '' }, m);
    expect(u?.person.organizations).toEqual([{ name: 'Acme', department: 'R&D' }]);
    const { notes: _n, ...noNotes } = ANA;
    expect(personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: noNotes, fields: ['notes'], baseVersion: '' }, m)?.person.biographies).toEqual([]);
  });
  it('the link id is added when the person lacks it, keeping other clientData', () => {
    const { clientData: _cd, ...bare } = ANA_PERSON;
    const u = personForUpdate({ ...bare, clientData: [{ key: 'other-app', value: 'x' }] }, { linkId: 'L1', id: 'people/c1', contact: ANA, fields: [], baseVersion: '' }, m);
    expect(u?.updatePersonFields).toEqual(['clientData']);
    expect(u?.person.clientData).toEqual([{ key: 'other-app', value: 'x' }, { key: LINK_ID_KEY, value: 'L1' }]);
  });
  it('nothing to write: no update', () => {
    expect(personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: ANA, fields: [], baseVersion: '' }, m)).toBeUndefined();
  });
  it('round-trip: an updated person reads back as the written contact, unmapped entries untouched', () => {
    const want = { ...ANA, firstName: 'Anita', email: 'anita@example.com', phone: '+12125550100', notes: 'new' };
    const u = personForUpdate(ANA_PERSON, { linkId: 'L1', id: 'people/c1', contact: want, fields: ['firstName', 'email', 'phone', 'notes'], baseVersion: '' }, m);
    const after: Person = { ...ANA_PERSON, ...u?.person };
    expect(personToContact(after, m)).toEqual(want);
    expect(after.emailAddresses?.[2]).toEqual({ value: 'ana@third.test', type: 'other' });
  });
});
