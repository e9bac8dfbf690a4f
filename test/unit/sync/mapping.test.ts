import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parseFieldMapping, syncFields, syncPolicySchema, type FieldMapping } from '../../../sync';
import type { ConfigIssue } from '../../../extraction/parse-config';

function mapping(input: unknown): FieldMapping {
  const r = parseFieldMapping(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
function errors(input: unknown): ConfigIssue[] {
  const r = parseFieldMapping(input);
  if (r.ok) throw new Error('expected errors, it parsed');
  return r.errors;
}

describe('field mapping: defaults', () => {
  it('CRM: the standard Contacts fields, Account_Name read-only, the link id field', () => {
    const m = mapping({ kind: 'crm' });
    expect(m.fields).toEqual({
      firstName: { field: 'First_Name', readOnly: false },
      lastName: { field: 'Last_Name', readOnly: false },
      email: { field: 'Email', readOnly: false },
      secondaryEmail: { field: 'Secondary_Email', readOnly: false },
      phone: { field: 'Phone', readOnly: false },
      mobile: { field: 'Mobile', readOnly: false },
      organization: { field: 'Account_Name', readOnly: true },
      title: { field: 'Title', readOnly: false },
      notes: { field: 'Description', readOnly: false },
    });
    expect(m.linkIdField).toBe('Switchyard_Link_Id');
  });
  it('Creator: Name composite, Email, Phone_Number; the rest unmapped', () => {
    const m = mapping({ kind: 'creator' });
    expect(m.fields).toEqual({
      firstName: { field: 'Name', sub: 'first_name', readOnly: false },
      lastName: { field: 'Name', sub: 'last_name', readOnly: false },
      email: { field: 'Email', readOnly: false },
      phone: { field: 'Phone_Number', readOnly: false },
    });
    expect(m).toMatchObject({ modifiedTimeField: 'Modified_Time', required: [] });
  });
  it('null unmaps a field, a string or object remaps it', () => {
    const m = mapping({ kind: 'crm', fields: { notes: null, organization: 'Company', title: { field: 'Job_Title', readOnly: true } } });
    expect(m.fields.notes).toBeUndefined();
    expect(m.fields.organization).toEqual({ field: 'Company', readOnly: false });
    expect(m.fields.title).toEqual({ field: 'Job_Title', readOnly: true });
  });
});

describe('field mapping: what the engine gets', () => {
  it('CRM: Last_Name is required (synthesised when empty), Account_Name read-only on Zoho', () => {
    const s = syncFields(mapping({ kind: 'crm' }));
    expect(s.required).toEqual({ google: [], zoho: ['lastName'] });
    expect(s.readOnly).toEqual({ google: [], zoho: ['organization'] });
    expect(s.fields).toHaveLength(9);
  });
  it('Creator: the mapped fields, required as configured, the phone region', () => {
    const s = syncFields(mapping({ kind: 'creator', required: ['lastName'], phoneRegion: 'MX' }));
    expect(s).toEqual({ fields: ['firstName', 'lastName', 'email', 'phone'], readOnly: { google: [], zoho: [] }, required: { google: [], zoho: ['lastName'] }, phoneRegion: 'MX' });
  });
});

describe('field mapping: errors name the path and say what to do', () => {
  it('an unknown kind', () => {
    expect(errors({ kind: 'desk' })).toEqual([{ path: 'kind', message: 'Expected "kind": "crm" or "creator"' }]);
    expect(errors('crm')).toEqual([{ path: '', message: 'Expected an object with "kind": "crm" or "creator"' }]);
  });
  it('a display label instead of an API name', () => {
    expect(errors({ kind: 'crm', fields: { firstName: 'First Name' } })).toEqual([
      { path: 'fields.firstName', message: '"First Name" is not a Zoho field API name: use letters, digits and underscores, starting with a letter (e.g. "Last_Name")' },
    ]);
  });
  it('an unknown contact field', () => {
    expect(errors({ kind: 'crm', fields: { fax: 'Fax' } })[0]).toEqual({
      path: 'fields',
      message: 'Unknown contact field "fax": the fields are firstName, lastName, email, secondaryEmail, phone, mobile, organization, title, notes',
    });
  });
  it('a value of the wrong shape', () => {
    expect(errors({ kind: 'crm', fields: { email: 3 } })).toEqual([
      { path: 'fields.email', message: 'Expected a Zoho field name ("Last_Name"), {"field": "...", "readOnly": true}, or null to leave it unmapped' },
    ]);
    expect(errors({ kind: 'crm', fields: { email: { field: 'Email', readonly: true } } })[0]?.message).toBe('Unknown key "readonly": a field is {"field": "...", "readOnly": true}');
  });
  it('one Zoho field for two contact fields', () => {
    expect(errors({ kind: 'crm', fields: { phone: 'Mobile' } })).toEqual([
      { path: 'fields.mobile', message: '"Mobile" is already mapped to phone: a Zoho field holds one contact field' },
    ]);
  });
  it('a subfield in CRM', () => {
    expect(errors({ kind: 'crm', fields: { firstName: 'Name.first_name' } })[0]?.message).toMatch(/CRM fields have no subfields/);
  });
  it('a writable lookup', () => {
    expect(errors({ kind: 'crm', fields: { organization: 'Account_Name' } })).toEqual([
      { path: 'fields.organization', message: 'Account_Name is a lookup (it needs a record id to be written): set {"field": "Account_Name", "readOnly": true}, or map a text field' },
    ]);
  });
  it("CRM's mandatory Last_Name must be mapped and writable", () => {
    expect(errors({ kind: 'crm', fields: { lastName: null } })).toEqual([
      { path: 'fields', message: 'Zoho CRM requires Last_Name on every contact: map a contact field (normally lastName) to it' },
    ]);
    expect(errors({ kind: 'crm', fields: { lastName: { field: 'Last_Name', readOnly: true } } })[0]?.message).toBe('Last_Name is mandatory in Zoho CRM: it cannot be read-only');
  });
  it('the link id field is not contact data', () => {
    expect(errors({ kind: 'crm', linkIdField: 'Title' })[0]).toEqual({ path: 'fields.title', message: '"Title" is the link id field: it holds Switchyard\'s link id, not contact data' });
  });
  it('a composite mapped whole and by parts', () => {
    expect(errors({ kind: 'creator', fields: { organization: 'Name' } })[0]?.message).toBe('"Name" is mapped whole to organization: map the composite whole or by its parts, not both');
  });
  it('nothing mapped', () => {
    const none = Object.fromEntries(['firstName', 'lastName', 'email', 'phone'].map((f) => [f, null]));
    expect(errors({ kind: 'creator', fields: none })).toEqual([{ path: 'fields', message: 'Maps no field: map at least one contact field' }]);
  });
  it('Creator: required fields must be names, mapped and writable', () => {
    expect(errors({ kind: 'creator', required: ['email'] })).toEqual([{ path: 'required[0]', message: 'Only firstName and lastName can be filled in when empty' }]);
    expect(errors({ kind: 'creator', required: ['lastName'], fields: { lastName: null } })).toEqual([
      { path: 'required[0]', message: 'lastName is required but not mapped: map it to a writable field' },
    ]);
  });
  it('a phone region that is not a country', () => {
    expect(errors({ kind: 'crm', phoneRegion: 'mx' })).toEqual([{ path: 'phoneRegion', message: '"mx" is not a supported ISO 3166-1 alpha-2 country code (e.g. "MX", "US")' }]);
  });
  it('unknown top-level keys are refused', () => {
    expect(errors({ kind: 'crm', module: 'Leads' })[0]?.path).toBe('');
  });
});

describe('sync policy', () => {
  it('defaults', () => {
    expect(DEFAULT_POLICY).toEqual({ conflict: 'lastWriterWins', deletion: 'unlinkAndTag', deletionsWin: false, maxDeleteFraction: 0.2, unlinkTag: 'sync-unlinked' });
  });
  it('errors', () => {
    const r = syncPolicySchema.safeParse({ conflict: 'newest', maxDeleteFraction: 2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['conflict', 'Expected one of "lastWriterWins" | "googleWins" | "zohoWins" | "fieldMerge"'],
      ['maxDeleteFraction', 'Must be at most 1'],
    ]);
  });
});
