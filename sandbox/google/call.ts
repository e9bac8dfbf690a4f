import { invalidArgument, notFound, staleEtag } from './errors';
import type { GoogleUser } from './model';
import type { StoredPerson } from './person';

/** What every People API handler gets: the authenticated user, the query and the parsed body. */
export interface Call {
  user: GoogleUser;
  query: URLSearchParams;
  body: unknown;
}

export const SORT_ORDERS = ['LAST_MODIFIED_ASCENDING', 'LAST_MODIFIED_DESCENDING', 'FIRST_NAME_ASCENDING', 'LAST_NAME_ASCENDING'] as const;
const READ_SOURCES = ['READ_SOURCE_TYPE_PROFILE', 'READ_SOURCE_TYPE_CONTACT', 'READ_SOURCE_TYPE_DOMAIN_CONTACT', 'READ_SOURCE_TYPE_OTHER_CONTACT'];
export const CONTACT_RESOURCE = /^people\/c\d+$/;

export function parseBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw invalidArgument(`Invalid value at '${name}' (TYPE_BOOL), "${v}"`, name);
}

export function parseSources(q: URLSearchParams): string[] {
  const sources = q.getAll('sources').flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of sources) {
    if (!READ_SOURCES.includes(s)) throw invalidArgument(`Invalid value at 'sources' (type.googleapis.com/google.internal.people.v2.ReadSourceType), "${s}"`, 'sources');
  }
  return [...new Set(sources)].sort();
}

export const findContact = (user: GoogleUser, resourceName: string): StoredPerson => {
  const p = user.people.get(resourceName);
  if (!p) throw notFound();
  return p;
};

/** The signed-in user's own profile, for people/me. */
export function profile(user: GoogleUser): StoredPerson {
  return {
    resourceName: `people/${user.id}`,
    contactId: user.id,
    etag: `%EgMBAi4aAQIiDHByb2ZpbGUtZmFrZQ==`,
    sourceEtag: '#profile',
    version: 1,
    updateTime: '2020-01-01T00:00:00.000000Z',
    data: { names: [{ displayName: user.name, unstructuredName: user.name }], emailAddresses: [{ value: user.email }] },
    changeSeq: 0,
    visibleAt: 0,
  };
}

export function checkEtag(p: StoredPerson, etag: string | undefined, sourceEtag: string | undefined, at: string): void {
  if (etag === undefined && sourceEtag === undefined) {
    throw invalidArgument(`Request must set ${at}.etag or ${at}.metadata.sources.etag for the source that is being updated.`, `${at}.etag`);
  }
  if (etag !== undefined ? etag !== p.etag : sourceEtag !== p.sourceEtag) throw staleEtag();
}
