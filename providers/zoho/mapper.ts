/**
 * Zoho CRM Contacts record <-> Switchyard's canonical contact (pure), driven by the pairing's field mapping;
 * the field reading and writing shared with the Creator mapper.
 * https://www.zoho.com/crm/developer/docs/api/v2/get-records.html
 *
 * Writes are partial: only the mapped fields being changed, plus the link id field, and the list of the API names
 * written. Send them with "trigger": [] so workflow rules do not rewrite the record behind the sync.
 */
import {
  cleanContact,
  type Contact,
  type ContactField,
  type CreateItem,
  type CrmFieldMapping,
  type FieldMapping,
  type FieldTarget,
  type ProjectionSettings,
  type SideRecord,
  type UpdateItem,
} from '../../sync';
import type { ZohoContact } from './types';

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a mapping syncs, as the engine projects it. */
export const projectionOf = (m: FieldMapping): ProjectionSettings => ({
  fields: (Object.keys(m.fields) as ContactField[]).filter((f) => m.fields[f] !== undefined),
  ...(m.phoneRegion === undefined ? {} : { phoneRegion: m.phoneRegion }),
});

/** A field's value as text: a string or number; a lookup's name ({id, name}, Creator's {ID, display_value}); a composite's part. */
export function readTarget(record: Fields, t: FieldTarget): string | undefined {
  let v = record[t.field];
  if (t.sub !== undefined) v = isObject(v) ? v[t.sub] : undefined;
  if (isObject(v)) v = v.name ?? v.display_value;
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v : undefined;
}

/** The canonical contact of a record, on the mapping's fields. */
export function zohoToContact(record: Fields, m: FieldMapping): Contact {
  const s = projectionOf(m);
  const raw: Contact = {};
  for (const f of s.fields) {
    const t = m.fields[f];
    const v = t === undefined ? undefined : readTarget(record, t);
    if (v !== undefined) raw[f] = v;
  }
  return cleanContact(raw, s);
}

export const linkIdIn = (record: Fields, field: string): string | undefined => {
  const v = record[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * The fields of a write: each contact field of `fields` into its Zoho field, empty ones cleared with `empty`
 * (CRM takes null, Creator an empty string). A composite is written whole from its mapped parts, keeping the
 * parts sync does not map from `current` (a Name's prefix).
 */
export function writeValues(contact: Contact, fields: readonly ContactField[], m: FieldMapping, empty: null | '', current?: Fields): { values: Fields; names: string[] } {
  const values: Fields = {};
  const composites = new Set<string>();
  for (const f of fields) {
    const t = m.fields[f];
    if (!t || t.readOnly) continue;
    if (t.sub === undefined) values[t.field] = contact[f] ?? empty;
    else composites.add(t.field);
  }
  for (const field of composites) {
    const cur = current?.[field];
    const { display_value: _d, ...kept } = isObject(cur) ? cur : {};
    const parts: Fields = { ...kept };
    for (const f of Object.keys(m.fields) as ContactField[]) {
      const t = m.fields[f];
      if (t?.field === field && t.sub !== undefined && !t.readOnly) parts[t.sub] = contact[f] ?? '';
    }
    values[field] = parts;
  }
  return { values, names: Object.keys(values) };
}

/** All the contact fields a create writes: the mapped, writable ones that hold a value. */
const filled = (contact: Contact, m: FieldMapping): ContactField[] => projectionOf(m).fields.filter((f) => contact[f] !== undefined);

const timeOf = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
};

/** The engine's view of a CRM contact: Modified_Time is both its version and its update time (Zoho's clock). */
export function crmToRecord(r: ZohoContact, m: CrmFieldMapping): SideRecord {
  const updatedAt = timeOf(r.Modified_Time);
  const linkId = linkIdIn(r, m.linkIdField);
  return {
    id: r.id,
    version: r.Modified_Time ?? '',
    ...(updatedAt === undefined ? {} : { updatedAt }),
    contact: zohoToContact(r, m),
    ...(linkId === undefined ? {} : { linkId }),
  };
}

/** The API names to ask for on list and get calls (v3 and later require `fields`, at most 50). */
export const crmFieldNames = (m: CrmFieldMapping): string[] => [
  ...new Set([...Object.values(m.fields).map((t) => t.field), m.linkIdField, 'Modified_Time']),
];

export interface ZohoWrite {
  record: Fields;
  /** The API names the write carries, the link id field included. */
  fields: string[];
}

const carryingLinkId = (w: { values: Fields; names: string[] }, m: FieldMapping, linkId: string): ZohoWrite => ({
  record: { ...w.values, [m.linkIdField]: linkId },
  fields: [...w.names, m.linkIdField],
});

/** A create in either product: the contact's filled fields and our link id. */
export const zohoCreate = (item: CreateItem, m: FieldMapping, empty: null | ''): ZohoWrite =>
  carryingLinkId(writeValues(item.contact, filled(item.contact, m), m, empty), m, item.linkId);

/** An update in either product: the changed fields (`empty` clears) and our link id. */
export const zohoUpdate = (item: UpdateItem, m: FieldMapping, empty: null | '', current?: Fields): ZohoWrite =>
  carryingLinkId(writeValues(item.contact, item.fields, m, empty, current), m, item.linkId);

/** One record of POST /crm/v2/Contacts: the contact's values and our link id (the unique field). */
export const crmForCreate = (item: CreateItem, m: CrmFieldMapping): ZohoWrite => zohoCreate(item, m, null);

/** One record of PUT /crm/v2/Contacts: its id, the changed fields (null clears), our link id. */
export function crmForUpdate(item: UpdateItem, m: CrmFieldMapping): ZohoWrite {
  const w = zohoUpdate(item, m, null);
  return { record: { id: item.id, ...w.record }, fields: w.fields };
}
