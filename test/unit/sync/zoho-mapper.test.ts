import { describe, expect, it } from 'vitest';
import { creatorFieldNames, creatorForCreate, creatorForUpdate, creatorToRecord, parseCreatorTime } from '../../../providers/zoho/creator-mapper';
import { crmFieldNames, crmForCreate, crmForUpdate, crmToRecord, zohoToContact } from '../../../providers/zoho/mapper';
import type { CreatorRecord, ZohoContact } from '../../../providers/zoho/types';
import { parseFieldMapping, type CreatorFieldMapping, type CrmFieldMapping } from '../../../sync';

function parsed<T>(input: unknown): T {
  const r = parseFieldMapping(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value as T;
}
const crm = parsed<CrmFieldMapping>({ kind: 'crm', phoneRegion: 'US' });
const creator = parsed<CreatorFieldMapping>({ kind: 'creator', fields: { notes: 'Notes' } });

const ZC: ZohoContact = {
  id: '4876876000000123001',
  First_Name: 'Ana',
  Last_Name: 'Pérez',
  Email: 'ana@example.com',
  Secondary_Email: null,
  Phone: '(212) 555-0199',
  Mobile: '+1 415 555 0100',
  Account_Name: { id: '4876876000000099001', name: 'Acme' },
  Title: 'CTO',
  Description: 'Met at the fair',
  Lead_Source: 'Web',
  Owner: { id: 'u1', name: 'Ops' },
  Modified_Time: '2026-11-30T10:00:00+00:00',
  Switchyard_Link_Id: 'L1',
};
const ANA = { firstName: 'Ana', lastName: 'Pérez', email: 'ana@example.com', phone: '+12125550199', mobile: '+14155550100', organization: 'Acme', title: 'CTO', notes: 'Met at the fair' };

describe('Zoho CRM contact <-> contact', () => {
  it('reads the mapped fields; a lookup gives its name; unmapped fields are ignored', () => {
    expect(zohoToContact(ZC, crm)).toEqual(ANA);
  });
  it('the record: Modified_Time as version and update time, our link id', () => {
    expect(crmToRecord(ZC, crm)).toEqual({ id: ZC.id, version: '2026-11-30T10:00:00+00:00', updatedAt: Date.parse('2026-11-30T10:00:00Z'), contact: ANA, linkId: 'L1' });
  });
  it('Account_Name given as text reads the same', () => {
    expect(zohoToContact({ ...ZC, Account_Name: 'Acme' }, crm).organization).toBe('Acme');
  });
  it('a create carries the filled writable fields and the link id, never the read-only lookup', () => {
    const w = crmForCreate({ linkId: 'L9', contact: ANA }, crm);
    expect(w.record).toEqual({
      First_Name: 'Ana',
      Last_Name: 'Pérez',
      Email: 'ana@example.com',
      Phone: '+12125550199',
      Mobile: '+14155550100',
      Title: 'CTO',
      Description: 'Met at the fair',
      Switchyard_Link_Id: 'L9',
    });
    expect(w.fields).toEqual(['First_Name', 'Last_Name', 'Email', 'Phone', 'Mobile', 'Title', 'Description', 'Switchyard_Link_Id']);
  });
  it('an update carries only the changed fields (null clears), the id and the link id', () => {
    const { title: _t, ...noTitle } = ANA;
    const w = crmForUpdate({ linkId: 'L1', id: ZC.id, contact: { ...noTitle, mobile: '+14155550111' }, fields: ['title', 'mobile'], baseVersion: '' }, crm);
    expect(w).toEqual({ record: { id: ZC.id, Title: null, Mobile: '+14155550111', Switchyard_Link_Id: 'L1' }, fields: ['Title', 'Mobile', 'Switchyard_Link_Id'] });
  });
  it('round-trip: a record written from a contact reads back as it (read-only fields aside)', () => {
    const { organization: _o, ...writable } = ANA;
    const w = crmForCreate({ linkId: 'L9', contact: ANA }, crm);
    expect(zohoToContact({ id: 'x', ...w.record }, crm)).toEqual(writable);
  });
  it('fields to list: the mapped ones, the link id field and Modified_Time', () => {
    expect(crmFieldNames(crm)).toEqual(['First_Name', 'Last_Name', 'Email', 'Secondary_Email', 'Phone', 'Mobile', 'Account_Name', 'Title', 'Description', 'Switchyard_Link_Id', 'Modified_Time']);
  });
  it('a remapped field reads from and writes to its own API name', () => {
    const m = parsed<CrmFieldMapping>({ kind: 'crm', fields: { organization: 'Company_Text' } });
    expect(zohoToContact({ id: 'x', Company_Text: 'Zylker', Account_Name: { id: '1', name: 'Acme' } }, m).organization).toBe('Zylker');
    expect(crmForUpdate({ linkId: 'L', id: 'x', contact: { organization: 'Globex' }, fields: ['organization'], baseVersion: '' }, m).record).toEqual({ id: 'x', Company_Text: 'Globex', Switchyard_Link_Id: 'L' });
  });
});

const CR: CreatorRecord = {
  ID: '3888833000000114027',
  Name: { display_value: 'Ana Pérez', prefix: 'Dr.', first_name: 'Ana', last_name: 'Pérez' },
  Email: 'ana@example.com',
  Phone_Number: '+14155550100',
  Notes: 'n',
  Status: 'Active',
  Modified_Time: '30-Nov-2026 10:15:30',
  Switchyard_Link_Id: 'L1',
};

describe('Zoho Creator record <-> contact', () => {
  it('reads composite parts and plain fields', () => {
    expect(zohoToContact(CR, creator)).toEqual({ firstName: 'Ana', lastName: 'Pérez', email: 'ana@example.com', phone: '+14155550100', notes: 'n' });
  });
  it('the record: the modification time is version and update time', () => {
    const r = creatorToRecord(CR, creator);
    expect(r).toMatchObject({ id: CR.ID, version: '30-Nov-2026 10:15:30', updatedAt: Date.UTC(2026, 10, 30, 10, 15, 30), linkId: 'L1' });
  });
  it('without a modification time the version is the content hash: any change is a new version', () => {
    const { Modified_Time: _m, ...bare } = CR;
    const v1 = creatorToRecord(bare as CreatorRecord, creator).version;
    expect(v1).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(creatorToRecord({ ...bare, Status: 'Inactive' } as CreatorRecord, creator).version).not.toBe(v1);
    expect(creatorToRecord({ ...bare } as CreatorRecord, creator).version).toBe(v1);
  });
  it('Creator times: the display format and ISO 8601', () => {
    expect(parseCreatorTime('01-Jan-2026 00:00:00')).toBe(Date.UTC(2026, 0, 1));
    expect(parseCreatorTime('2026-11-30T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 30, 9));
    expect(parseCreatorTime('yesterday')).toBeUndefined();
    expect(parseCreatorTime(undefined)).toBeUndefined();
  });
  it('a create writes the Name composite from its parts', () => {
    const w = creatorForCreate({ linkId: 'L9', contact: { firstName: 'Bo', email: 'bo@x.io' } }, creator);
    expect(w).toEqual({ record: { Email: 'bo@x.io', Name: { first_name: 'Bo', last_name: '' }, Switchyard_Link_Id: 'L9' }, fields: ['Email', 'Name', 'Switchyard_Link_Id'] });
  });
  it('an update of one name part sends the whole composite, keeping the parts sync does not map', () => {
    const w = creatorForUpdate({ linkId: 'L1', id: CR.ID, contact: { firstName: 'Ana', lastName: 'Pérez García' }, fields: ['lastName'], baseVersion: '' }, creator, CR);
    expect(w.record).toEqual({ Name: { prefix: 'Dr.', first_name: 'Ana', last_name: 'Pérez García' }, Switchyard_Link_Id: 'L1' });
  });
  it('a cleared field is an empty string', () => {
    expect(creatorForUpdate({ linkId: 'L1', id: CR.ID, contact: {}, fields: ['phone'], baseVersion: '' }, creator).record).toEqual({ Phone_Number: '', Switchyard_Link_Id: 'L1' });
  });
  it('round-trip through a written record', () => {
    const c = { firstName: 'Bo', lastName: 'Li', email: 'bo@x.io', phone: '+14155550100', notes: 'x' };
    expect(zohoToContact({ ID: '1', ...creatorForCreate({ linkId: 'L', contact: c }, creator).record }, creator)).toEqual(c);
  });
  it('link names to show in the report', () => {
    expect(creatorFieldNames(creator)).toEqual(['ID', 'Name', 'Email', 'Phone_Number', 'Notes', 'Switchyard_Link_Id', 'Modified_Time']);
  });
});
