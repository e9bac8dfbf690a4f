/**
 * The canonical contact every provider maps to and from, and the normalised projection that change detection
 * compares and hashes. A contact is a flat set of named fields (the "slots" a pairing's field mapping assigns
 * to provider fields): names, two e-mails, two phones, organization, title and notes. Absent and empty are
 * the same thing.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export const CONTACT_FIELDS = ['firstName', 'lastName', 'email', 'secondaryEmail', 'phone', 'mobile', 'organization', 'title', 'notes'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** Display values (what is written to a provider): trimmed, phones in E.164 where they parse. */
export type Contact = Partial<Record<ContactField, string>>;

export const SIDES = ['google', 'zoho'] as const;
export type Side = (typeof SIDES)[number];
export const otherSide = (side: Side): Side => (side === 'google' ? 'zoho' : 'google');

const EMAIL_FIELDS: ReadonlySet<ContactField> = new Set(['email', 'secondaryEmail']);
const PHONE_FIELDS: ReadonlySet<ContactField> = new Set(['phone', 'mobile']);
export const isEmailField = (f: ContactField): boolean => EMAIL_FIELDS.has(f);
export const isPhoneField = (f: ContactField): boolean => PHONE_FIELDS.has(f);

/** What shapes a projection: the fields a pairing maps, and the region local phone numbers are read in. */
export interface ProjectionSettings {
  fields: readonly ContactField[];
  /** ISO 3166-1 alpha-2 (e.g. "MX"): numbers written without a country code are read as this country's. */
  phoneRegion?: string | undefined;
}

/**
 * E.164 for a number that parses (with the region for local numbers); otherwise the input with everything but
 * digits and a leading + removed, so "555 0100" and "555-0100" still compare equal. Undefined when nothing is left.
 */
export function normalisePhone(value: string, region?: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const country = region !== undefined && isSupportedCountry(region) ? (region as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed?.isPossible()) return parsed.number;
  const digits = text.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return digits === '' || digits === '+' ? undefined : digits;
}

/** Names and short texts: Unicode NFC, whitespace runs collapsed (Google and Zoho both trim what they store). */
const cleanText = (v: string): string => v.normalize('NFC').replace(/\s+/g, ' ').trim();
/** Notes keep their lines; only line endings and surrounding blank space are normalised. */
const cleanNotes = (v: string): string =>
  v
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

/** The display form of one field's value; undefined when it is empty. */
export function cleanValue(field: ContactField, value: string | null | undefined, region?: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  let out: string | undefined;
  if (isPhoneField(field)) out = normalisePhone(value, region);
  else if (isEmailField(field)) out = value.trim();
  else if (field === 'notes') out = cleanNotes(value);
  else out = cleanText(value);
  return out === '' ? undefined : out;
}

/**
 * The comparison form of one field's value: the display form, with e-mails lower-cased (providers and people
 * change their case; no mail system treats it as a different address).
 */
export function normaliseValue(field: ContactField, value: string | null | undefined, region?: string): string | undefined {
  const clean = cleanValue(field, value, region);
  return clean !== undefined && isEmailField(field) ? clean.toLowerCase() : clean;
}

function eachField(c: Contact, s: ProjectionSettings, value: typeof cleanValue): Contact {
  const out: Contact = {};
  for (const f of s.fields) {
    const v = value(f, c[f], s.phoneRegion);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/** Keeps only the given fields, in display form, dropping empty ones. */
export const cleanContact = (c: Contact, s: ProjectionSettings): Contact => eachField(c, s, cleanValue);

/** The normalised projection: what change detection compares and hashes. */
export const normaliseContact = (c: Contact, s: ProjectionSettings): Contact => eachField(c, s, normaliseValue);

export const sameValue = (field: ContactField, a: string | undefined, b: string | undefined, region?: string): boolean =>
  normaliseValue(field, a, region) === normaliseValue(field, b, region);

/** The fields (of `fields`) whose normalised values differ. */
export function differingFields(a: Contact, b: Contact, fields: readonly ContactField[], region?: string): ContactField[] {
  return fields.filter((f) => !sameValue(f, a[f], b[f], region));
}

export const sameContact = (a: Contact, b: Contact, s: ProjectionSettings): boolean =>
  differingFields(a, b, s.fields, s.phoneRegion).length === 0;

export const isEmptyContact = (c: Contact): boolean => CONTACT_FIELDS.every((f) => c[f] === undefined || c[f] === '');
