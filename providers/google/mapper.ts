/**
 * Google People API Person <-> Switchyard's canonical contact (pure).
 * https://developers.google.com/people/api/rest/v1/people#Person
 *
 * Reads: the primary name, the first two e-mails (primary first), the phones (a mobile-typed one for `mobile`,
 * another for `phone`; the first phone when only one of them is mapped), the primary organization's name and
 * title, the biography as notes, our link id in clientData. `displayName` and a phone's `canonicalForm` are
 * computed by Google: never written, and only canonicalForm is read (as the phone's E.164 value).
 * Writes are partial: only the person fields holding a field to change are named in updatePersonFields, and inside
 * them every entry and property sync does not map is kept as it is (a third e-mail, a phone's type, a middle name).
 */
import { cleanContact, cleanValue, sameValue, type Contact, type ContactField, type CreateItem, type ProjectionSettings, type SideRecord, type UpdateItem } from '../../sync';
import type { ClientData, EmailAddress, FieldMetadata, Organization, Person, PersonName, PhoneNumber } from './types';

/** The clientData key of our link id (give each pairing on one Google account its own key). */
export const LINK_ID_KEY = 'switchyardLinkId';

export interface GoogleMapping extends ProjectionSettings {
  linkIdKey?: string;
}

/** The personFields every read for sync must ask for. */
export const SYNC_PERSON_FIELDS = ['names', 'emailAddresses', 'phoneNumbers', 'organizations', 'biographies', 'clientData', 'metadata'] as const;

export type PersonField = 'names' | 'emailAddresses' | 'phoneNumbers' | 'organizations' | 'biographies' | 'clientData';

const GROUP: Record<ContactField, PersonField> = {
  firstName: 'names',
  lastName: 'names',
  email: 'emailAddresses',
  secondaryEmail: 'emailAddresses',
  phone: 'phoneNumbers',
  mobile: 'phoneNumbers',
  organization: 'organizations',
  title: 'organizations',
  notes: 'biographies',
};
const PERSON_FIELD_ORDER: PersonField[] = ['names', 'emailAddresses', 'phoneNumbers', 'organizations', 'biographies', 'clientData'];
const MOBILE_TYPES = new Set(['mobile', 'workMobile']);

type Item = { metadata?: FieldMetadata };

/** Indexes of a list, the primary entry first (Google marks it; otherwise the list's order). */
function primaryFirst(items: readonly Item[] | undefined): number[] {
  const idx = (items ?? []).map((_, i) => i);
  return [...idx.filter((i) => items?.[i]?.metadata?.primary), ...idx.filter((i) => !items?.[i]?.metadata?.primary)];
}

const phoneValue = (p: PhoneNumber | undefined): string | undefined => p?.canonicalForm ?? p?.value;
const isMobile = (p: PhoneNumber | undefined): boolean => p?.type !== undefined && MOBILE_TYPES.has(p.type);

/** Which list entry holds each mapped field (undefined: none). */
function slots(p: Person, s: ProjectionSettings): Partial<Record<ContactField, number>> {
  const out: Partial<Record<ContactField, number>> = {};
  const emails = primaryFirst(p.emailAddresses).filter((i) => cleanValue('email', p.emailAddresses?.[i]?.value) !== undefined);
  if (emails[0] !== undefined) out.email = emails[0];
  if (emails[1] !== undefined) out.secondaryEmail = emails[1];
  const phones = primaryFirst(p.phoneNumbers).filter((i) => cleanValue('phone', phoneValue(p.phoneNumbers?.[i])) !== undefined);
  const mobiles = phones.filter((i) => isMobile(p.phoneNumbers?.[i]));
  const others = phones.filter((i) => !isMobile(p.phoneNumbers?.[i]));
  const both = s.fields.includes('phone') && s.fields.includes('mobile');
  const phone = both ? others[0] : phones[0];
  const mobile = both ? mobiles[0] : phones[0];
  if (phone !== undefined) out.phone = phone;
  if (mobile !== undefined) out.mobile = mobile;
  return out;
}

/** The canonical contact of a Person, on the pairing's fields. */
export function personToContact(p: Person, s: ProjectionSettings): Contact {
  const name = p.names?.[primaryFirst(p.names)[0] ?? 0];
  const org = p.organizations?.[primaryFirst(p.organizations)[0] ?? 0];
  const at = slots(p, s);
  const raw: Contact = {};
  const set = (f: ContactField, v: string | undefined): void => {
    if (v !== undefined) raw[f] = v;
  };
  set('firstName', name?.givenName);
  set('lastName', name?.familyName);
  set('email', at.email === undefined ? undefined : p.emailAddresses?.[at.email]?.value);
  set('secondaryEmail', at.secondaryEmail === undefined ? undefined : p.emailAddresses?.[at.secondaryEmail]?.value);
  set('phone', at.phone === undefined ? undefined : phoneValue(p.phoneNumbers?.[at.phone]));
  set('mobile', at.mobile === undefined ? undefined : phoneValue(p.phoneNumbers?.[at.mobile]));
  set('organization', org?.name);
  set('title', org?.title);
  set('notes', p.biographies?.[0]?.value);
  return cleanContact(raw, s);
}

/** When the contact itself last changed, by Google's clock (the CONTACT source's updateTime). */
export function contactUpdateTime(p: Person): number | undefined {
  const t = p.metadata?.sources?.find((src) => src.type === 'CONTACT')?.updateTime;
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export const linkIdOf = (p: Person, key = LINK_ID_KEY): string | undefined => p.clientData?.find((d) => d.key === key)?.value || undefined;

export function personToRecord(p: Person, m: GoogleMapping): SideRecord {
  const updatedAt = contactUpdateTime(p);
  const linkId = linkIdOf(p, m.linkIdKey);
  return {
    id: p.resourceName ?? '',
    version: p.etag ?? '',
    ...(updatedAt === undefined ? {} : { updatedAt }),
    contact: personToContact(p, m),
    ...(linkId === undefined ? {} : { linkId }),
  };
}

/** A page of connections as the engine's changes: deleted people (sync results) apart. */
export function googleChanges(people: readonly Person[], m: GoogleMapping): { records: SideRecord[]; deleted: string[] } {
  const records: SideRecord[] = [];
  const deleted: string[] = [];
  for (const p of people) {
    if (!p.resourceName) continue;
    if (p.metadata?.deleted) deleted.push(p.resourceName);
    else records.push(personToRecord(p, m));
  }
  return { records, deleted };
}

/** A list entry as written back: output-only parts dropped. */
function strip<T extends Item>(item: T): T {
  const { metadata: _m, ...rest } = item;
  return rest as T;
}

/**
 * A list rebuilt for a write: the entries of the fields being written first (their type kept, value replaced),
 * then every other entry as it was, minus duplicates of a written value.
 */
function rebuild<T extends Item & { value?: string; type?: string; canonicalForm?: string }>(
  list: readonly T[] | undefined,
  fields: ReadonlyArray<{ field: ContactField; index: number | undefined; value: string | undefined; write: boolean; type: string }>,
  region: string | undefined,
): T[] {
  const used = new Set(fields.map((f) => f.index).filter((i): i is number => i !== undefined));
  const head: T[] = [];
  const written: Array<{ field: ContactField; value: string }> = [];
  for (const f of fields) {
    const cur = f.index === undefined ? undefined : list?.[f.index];
    if (!f.write) {
      if (cur) head.push(strip(cur));
      continue;
    }
    if (f.value === undefined) continue;
    const { canonicalForm: _c, ...kept } = cur ? strip(cur) : ({} as T);
    head.push({ ...kept, value: f.value, type: cur?.type ?? f.type } as T);
    written.push({ field: f.field, value: f.value });
  }
  const rest = (list ?? [])
    .filter((item, i) => !used.has(i) && !written.some((w) => sameValue(w.field, w.value, item.canonicalForm ?? item.value, region)))
    .map(strip);
  return [...head, ...rest];
}

/** The person fields holding `write`, as they are once `write` of `contact` is written into `current`. */
function buildGroups(current: Person, contact: Contact, write: ReadonlySet<ContactField>, s: ProjectionSettings): Person {
  const out: Person = {};
  const mapped = (f: ContactField): boolean => s.fields.includes(f);
  const next = (f: ContactField, cur: string | undefined): string | undefined => (write.has(f) ? contact[f] : cur);
  const at = slots(current, s);
  const groups = new Set([...write].map((f) => GROUP[f]));
  if (groups.has('names')) {
    const cur = current.names?.[primaryFirst(current.names)[0] ?? 0];
    // displayName and unstructuredName are derived from the parts: left for Google to compute again.
    const { displayName: _d, unstructuredName: _u, displayNameLastFirst: _l, metadata: _m, ...kept } = (cur ?? {}) as PersonName & Record<string, unknown>;
    const name: Record<string, unknown> = { ...kept };
    for (const [f, key] of [['firstName', 'givenName'], ['lastName', 'familyName']] as const) {
      const v = next(f, cur?.[key]);
      if (v === undefined) delete name[key];
      else name[key] = v;
    }
    out.names = Object.keys(name).length ? [name as PersonName] : [];
  }
  if (groups.has('emailAddresses')) {
    const fields = (['email', 'secondaryEmail'] as const).filter(mapped).map((f) => ({ field: f, index: at[f], value: contact[f], write: write.has(f), type: f === 'email' ? 'work' : 'other' }));
    out.emailAddresses = rebuild<EmailAddress>(current.emailAddresses, fields, s.phoneRegion);
  }
  if (groups.has('phoneNumbers')) {
    const fields = (['phone', 'mobile'] as const).filter(mapped).map((f) => ({ field: f, index: at[f], value: contact[f], write: write.has(f), type: f === 'mobile' ? 'mobile' : 'work' }));
    out.phoneNumbers = rebuild<PhoneNumber>(current.phoneNumbers, fields, s.phoneRegion);
  }
  if (groups.has('organizations')) {
    const first = primaryFirst(current.organizations)[0];
    const cur = first === undefined ? undefined : current.organizations?.[first];
    const org: Organization = cur ? strip(cur) : {};
    const name = next('organization', cur?.name);
    const title = next('title', cur?.title);
    delete org.name;
    delete org.title;
    if (name !== undefined) org.name = name;
    if (title !== undefined) org.title = title;
    const rest = (current.organizations ?? []).filter((_, i) => i !== first).map(strip);
    out.organizations = [...(Object.keys(org).length ? [org] : []), ...rest];
  }
  if (groups.has('biographies')) out.biographies = contact.notes === undefined ? [] : [{ value: contact.notes, contentType: 'TEXT_PLAIN' }];
  return out;
}

function withLinkId(current: readonly ClientData[] | undefined, key: string, linkId: string): ClientData[] {
  return [...(current ?? []).filter((d) => d.key !== key).map(strip), { key, value: linkId }];
}

const orderedMask = (groups: Set<PersonField>): PersonField[] => PERSON_FIELD_ORDER.filter((g) => groups.has(g));

/** The body of people:createContact (or one contactPerson of batchCreateContacts), carrying our link id. */
export function personForCreate(item: CreateItem, m: GoogleMapping): Person {
  const write = new Set(m.fields.filter((f) => item.contact[f] !== undefined));
  const person = buildGroups({}, item.contact, write, m);
  for (const k of Object.keys(person) as PersonField[]) if ((person[k]?.length ?? 0) === 0) delete person[k];
  return { ...person, clientData: [{ key: m.linkIdKey ?? LINK_ID_KEY, value: item.linkId }] };
}

/**
 * The body and updatePersonFields of people:updateContact (or one entry of batchUpdateContacts) that writes
 * `item.fields` into `current`, read just before (its etag is sent: a newer version answers FAILED_PRECONDITION).
 * Undefined when there is nothing to write.
 */
export function personForUpdate(current: Person, item: UpdateItem, m: GoogleMapping): { person: Person; updatePersonFields: PersonField[] } | undefined {
  const write = new Set(item.fields.filter((f) => m.fields.includes(f)));
  const person: Person = { ...buildGroups(current, item.contact, write, m) };
  const groups = new Set([...write].map((f) => GROUP[f]));
  const key = m.linkIdKey ?? LINK_ID_KEY;
  if (linkIdOf(current, key) !== item.linkId) {
    person.clientData = withLinkId(current.clientData, key, item.linkId);
    groups.add('clientData');
  }
  if (groups.size === 0) return undefined;
  return {
    person: { ...(current.resourceName ? { resourceName: current.resourceName } : {}), ...(current.etag ? { etag: current.etag } : {}), ...person },
    updatePersonFields: orderedMask(groups),
  };
}
