/**
 * The People API's own shapes, as far as contact sync reads and writes them.
 * https://developers.google.com/people/api/rest/v1/people#Person
 * Field names are Google's; mappers (pure) turn them into Switchyard's canonical contact and back.
 */
export interface FieldMetadata {
  primary?: boolean;
  source?: { type: string; id: string };
}

export interface PersonName {
  givenName?: string;
  familyName?: string;
  middleName?: string;
  /** Computed by Google from the other parts (not writable): never compared, never written back. */
  displayName?: string;
  metadata?: FieldMetadata;
}

export interface EmailAddress {
  value?: string;
  type?: string;
  metadata?: FieldMetadata;
}

export interface PhoneNumber {
  value?: string;
  /** Google's E.164 rendering of `value` (read-only). */
  canonicalForm?: string;
  type?: string;
  metadata?: FieldMetadata;
}

export interface Organization {
  name?: string;
  title?: string;
  metadata?: FieldMetadata;
}

export interface Biography {
  value?: string;
  contentType?: 'TEXT_PLAIN' | 'TEXT_HTML';
  metadata?: FieldMetadata;
}

/** Free-form key/value data a client keeps on a contact: where Switchyard writes its link id. */
export interface ClientData {
  key?: string;
  value?: string;
  metadata?: FieldMetadata;
}

export interface PersonSource {
  type: string;
  id: string;
  etag?: string;
  /** RFC 3339; when this source last changed. The provider's own clock, used for last-writer-wins. */
  updateTime?: string;
}

export interface Person {
  /** `people/c<hex id>`. */
  resourceName?: string;
  etag?: string;
  metadata?: { sources?: PersonSource[]; deleted?: boolean; objectType?: string };
  names?: PersonName[];
  emailAddresses?: EmailAddress[];
  phoneNumbers?: PhoneNumber[];
  organizations?: Organization[];
  biographies?: Biography[];
  clientData?: ClientData[];
}

/** GET people/me/connections: one page. `nextSyncToken` only on the last page of a listing that asked for it. */
export interface ConnectionsPage {
  connections?: Person[];
  nextPageToken?: string;
  nextSyncToken?: string;
  totalPeople?: number;
  totalItems?: number;
}
