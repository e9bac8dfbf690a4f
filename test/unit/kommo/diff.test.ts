import { describe, expect, it } from 'vitest';
import { diffContacts, fetchedContact } from '../../../activities/kommo/diff';

const c = (name: string, ...emails: string[]) => ({ name, emails });

describe('diffContacts: what a change of a contact means for the list', () => {
  it('a new contact imports every e-mail and references them', () => {
    const d = diffContacts([{ contactId: 1, before: null, after: c('Ana', 'a@x.test', 'b@x.test') }]);
    expect(d.imports).toEqual([{ email: 'a@x.test', name: 'Ana' }, { email: 'b@x.test', name: 'Ana' }]);
    expect(d.addRefs).toEqual([{ email: 'a@x.test', contactId: 1 }, { email: 'b@x.test', contactId: 1 }]);
    expect(d.changed).toEqual([1]);
  });

  it('an unchanged contact (a redelivery) imports nothing', () => {
    const d = diffContacts([{ contactId: 1, before: c('Ana', 'a@x.test'), after: c('Ana', 'a@x.test') }]);
    expect(d).toEqual({ imports: [], addRefs: [], removeRefs: [], changed: [], unchanged: 1 });
  });

  it('an added e-mail imports only it; a removed one drops its reference', () => {
    const d = diffContacts([{ contactId: 1, before: c('Ana', 'a@x.test'), after: c('Ana', 'b@x.test') }]);
    expect(d.imports).toEqual([{ email: 'b@x.test', name: 'Ana' }]);
    expect(d.removeRefs).toEqual([{ email: 'a@x.test', contactId: 1 }]);
  });

  it('a renamed contact imports every e-mail again (the name travels with each)', () => {
    const d = diffContacts([{ contactId: 1, before: c('Ana', 'a@x.test', 'b@x.test'), after: c('Ana L', 'a@x.test', 'b@x.test') }]);
    expect(d.imports.map((r) => r.name)).toEqual(['Ana L', 'Ana L']);
    expect(d.addRefs).toEqual([]);
  });

  it('a deleted contact drops all its references and imports nothing', () => {
    const d = diffContacts([{ contactId: 1, before: c('Ana', 'a@x.test'), after: null }]);
    expect(d).toMatchObject({ imports: [], removeRefs: [{ email: 'a@x.test', contactId: 1 }], changed: [1] });
  });

  it('a contact the mirror never knew, gone already: nothing to do', () => {
    expect(diffContacts([{ contactId: 1, before: null, after: null }]).unchanged).toBe(1);
  });

  it('one row per e-mail when two contacts of the batch share it', () => {
    const d = diffContacts([
      { contactId: 1, before: null, after: c('Ana', 's@x.test') },
      { contactId: 2, before: null, after: c('Bea', 's@x.test') },
    ]);
    expect(d.imports).toEqual([{ email: 's@x.test', name: 'Bea' }]);
    expect(d.addRefs).toHaveLength(2);
  });
});

describe('fetchedContact', () => {
  it('keeps the name and every EMAIL value, lower-cased, once, in a stable order', () => {
    const f = fetchedContact({
      id: 5,
      name: null,
      first_name: 'Ana',
      last_name: 'Lopez',
      created_at: 1,
      updated_at: 9,
      custom_fields_values: [
        { field_id: 1, field_code: 'EMAIL', values: [{ value: ' B@X.test ' }, { value: 'a@x.test' }, { value: 'b@x.test' }] },
        { field_id: 2, field_code: 'PHONE', values: [{ value: '+1 555' }] },
        { field_id: 3, field_code: 'EMAIL', values: [{ value: 'not an address' }] },
      ],
    });
    expect(f).toEqual({ id: 5, name: 'Ana Lopez', emails: ['a@x.test', 'b@x.test'], updatedAt: 9 });
  });
});
