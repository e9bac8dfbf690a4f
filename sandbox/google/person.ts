import { createHash } from 'node:crypto';
import { z } from 'zod';
import { invalidArgument } from './errors';

/** Every personFields path the People API accepts on reads. */
export const PERSON_FIELDS = [
  'addresses', 'ageRanges', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'coverPhotos', 'emailAddresses',
  'events', 'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'metadata',
  'miscKeywords', 'names', 'nicknames', 'occupations', 'organizations', 'phoneNumbers', 'photos', 'relations',
  'sipAddresses', 'skills', 'urls', 'userDefined',
] as const;
const PERSON_FIELD_SET: ReadonlySet<string> = new Set(PERSON_FIELDS);

/** The paths updatePersonFields / updateMask accept (contact-writable fields). */
export const UPDATABLE_FIELDS: ReadonlySet<string> = new Set([
  'addresses', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'emailAddresses', 'events', 'externalIds',
  'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'miscKeywords', 'names', 'nicknames',
  'occupations', 'organizations', 'phoneNumbers', 'relations', 'sipAddresses', 'urls', 'userDefined',
]);

/** Fields a contact may carry only once. */
const SINGLETON_FIELDS: ReadonlySet<string> = new Set(['names', 'biographies', 'birthdays', 'genders']);

export type PersonItem = Record<string, unknown>;
export type PersonData = Record<string, PersonItem[]>;

export interface StoredPerson {
  resourceName: string;
  /** Hex contact id, as in metadata.sources[0].id. */
  contactId: string;
  etag: string;
  sourceEtag: string;
  version: number;
  updateTime: string;
  data: PersonData;
  /** Position in the change log, and when that change becomes visible to sync (write-visibility lag). */
  changeSeq: number;
  visibleAt: number;
}

export interface Tombstone {
  resourceName: string;
  etag: string;
  changeSeq: number;
  visibleAt: number;
  deletedAt: string;
}

/** Person etags look like "%EgUBAgMuNz0aBAECBQciDG..." and source etags like "#...". */
export function makeEtags(resourceName: string, version: number): { etag: string; sourceEtag: string } {
  const h = createHash('sha1').update(`${resourceName}:${version}`).digest('base64url');
  return { etag: `%EgUBAgMuNz0aBAECBQc${h.slice(0, 16)}`, sourceEtag: `#${h.slice(16, 27)}` };
}

/** Splits a field mask ("names,emailAddresses", possibly repeated) and checks every path. */
export function parseFieldMask(values: string[], param: string, allowed: ReadonlySet<string>, docPath: string): Set<string> | undefined {
  const paths = values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p.length > 0);
  if (paths.length === 0) return undefined;
  for (const p of paths) {
    // Google accepts "person.names" as well as "names" in masks.
    const bare = p.startsWith('person.') ? p.slice('person.'.length) : p;
    if (!allowed.has(bare)) {
      throw invalidArgument(`Invalid ${param} mask path: "${p}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/${docPath}.`, param);
    }
  }
  return new Set(paths.map((p) => (p.startsWith('person.') ? p.slice('person.'.length) : p)));
}

export const requireMask = (values: string[], param: string, allowed: ReadonlySet<string>, docPath: string): Set<string> => {
  const mask = parseFieldMask(values, param, allowed, docPath);
  if (!mask) {
    throw invalidArgument(
      `${param} mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/${docPath}.`,
      param,
    );
  }
  return mask;
};

export const READ_MASK_FIELDS: ReadonlySet<string> = PERSON_FIELD_SET;

const anyObject = z.record(z.string(), z.unknown());

/**
 * Checks a Person request body the way the API does: unknown names are refused (proto JSON parsing), every
 * field is a list of objects, single-valued fields hold at most one entry. Returns the writable data only.
 * `at` is the proto path used in messages ('person', 'contacts[0].contact_person'...).
 */
export function parsePersonInput(body: unknown, at: string): { data: PersonData; etag?: string; sourceEtag?: string } {
  const obj = anyObject.safeParse(body);
  if (!obj.success) throw invalidArgument(`Invalid JSON payload received. Expected an object at '${at}'.`);
  const data: PersonData = {};
  let etag: string | undefined;
  let sourceEtag: string | undefined;
  for (const [key, value] of Object.entries(obj.data)) {
    if (key === 'resourceName') continue;
    if (key === 'etag') {
      if (typeof value !== 'string') throw invalidArgument(`Invalid value at '${at}.etag' (TYPE_STRING)`);
      etag = value;
      continue;
    }
    if (key === 'metadata') {
      const sources = z.object({ sources: z.array(z.object({ etag: z.string().optional() }).loose()).optional() }).loose().safeParse(value);
      if (sources.success) sourceEtag = sources.data.sources?.[0]?.etag;
      continue;
    }
    if (!PERSON_FIELD_SET.has(key)) {
      throw invalidArgument(`Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`);
    }
    if (!UPDATABLE_FIELDS.has(key)) {
      // GUESS at the wording; the API refuses writes to read-only fields such as photos.
      throw invalidArgument(`Invalid person: ${at}.${key} is read-only.`, `${at}.${key}`);
    }
    const items = z.array(anyObject).safeParse(value);
    if (!items.success) throw invalidArgument(`Invalid JSON payload received. Invalid value at '${at}.${key}': expected a list of objects.`);
    if (SINGLETON_FIELDS.has(key) && items.data.length > 1) {
      // GUESS at the wording; the rule (one name per contact) is real.
      throw invalidArgument(`Invalid person: ${at}.${key} may hold at most one entry for a contact.`, `${at}.${key}`);
    }
    // Item metadata (primary, source) is output only: drop what a client echoes back.
    data[key] = items.data.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'metadata')));
  }
  return { data, ...(etag === undefined ? {} : { etag }), ...(sourceEtag === undefined ? {} : { sourceEtag }) };
}

const FORMATTED_TYPES: Record<string, string> = {
  home: 'Home', work: 'Work', other: 'Other', mobile: 'Mobile', main: 'Main', homeFax: 'Home Fax', workFax: 'Work Fax',
  otherFax: 'Other Fax', pager: 'Pager', workMobile: 'Work Mobile', workPager: 'Work Pager', googleVoice: 'Google Voice',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Output-only properties Google derives from what was written. */
function withComputed(field: string, item: PersonItem): PersonItem {
  const out: PersonItem = { ...item };
  if (field === 'names') {
    const given = str(item.givenName);
    const middle = str(item.middleName);
    const family = str(item.familyName);
    const built = [given, middle, family].filter((x): x is string => x !== undefined).join(' ');
    const display = built || str(item.unstructuredName) || str(item.displayName) || '';
    out.displayName = display;
    out.displayNameLastFirst = family && given ? `${family}, ${[given, middle].filter(Boolean).join(' ')}` : display;
    if (out.unstructuredName === undefined) out.unstructuredName = display;
  }
  const type = str(item.type);
  if (type !== undefined && field !== 'names') out.formattedType = FORMATTED_TYPES[type] ?? type;
  if (field === 'phoneNumbers') {
    const v = str(item.value);
    if (v?.startsWith('+')) out.canonicalForm = `+${v.replace(/\D/g, '')}`;
  }
  return out;
}

/** A stored person as the API returns it, restricted to `fields` (all when undefined). */
export function renderPerson(p: StoredPerson, fields: Set<string> | undefined, sourceType: 'CONTACT' | 'PROFILE' = 'CONTACT'): Record<string, unknown> {
  const out: Record<string, unknown> = { resourceName: p.resourceName, etag: p.etag };
  const wants = (f: string): boolean => fields === undefined || fields.has(f);
  if (wants('metadata')) {
    out.metadata = {
      sources: [{ type: sourceType, id: p.contactId, etag: p.sourceEtag, updateTime: p.updateTime }],
      objectType: 'PERSON',
    };
  }
  for (const field of PERSON_FIELDS) {
    if (field === 'metadata' || !wants(field)) continue;
    const items = p.data[field];
    if (!items || items.length === 0) continue; // proto JSON leaves empty lists out
    out[field] = items.map((item, i) => ({
      metadata: { ...(i === 0 ? { primary: true } : {}), source: { type: sourceType, id: p.contactId } },
      ...withComputed(field, item),
    }));
  }
  return out;
}

export const renderDeleted = (t: Tombstone): Record<string, unknown> => ({
  resourceName: t.resourceName,
  etag: t.etag,
  metadata: { deleted: true },
});

/** Sort key helpers for sortOrder=FIRST_NAME_ASCENDING / LAST_NAME_ASCENDING. */
export function nameKey(p: StoredPerson, part: 'givenName' | 'familyName'): string {
  const n = p.data.names?.[0];
  return (str(n?.[part]) ?? '').toLowerCase();
}
