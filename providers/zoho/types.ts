/**
 * Zoho CRM and Creator shapes, as far as contact sync reads and writes them.
 * CRM: https://www.zoho.com/crm/developer/docs/api/v2/get-records.html
 * Creator: https://www.zoho.com/creator/help/api/v2.1/
 */
export interface ZohoUserRef {
  id: string;
  name?: string;
  email?: string;
}

/** A CRM Contacts record. Keys are the module's field API names; the ones sync maps are typed. */
export interface ZohoContact {
  id: string;
  First_Name?: string | null;
  /** Mandatory in CRM: a contact cannot be created without it. */
  Last_Name?: string | null;
  Email?: string | null;
  Secondary_Email?: string | null;
  Phone?: string | null;
  Mobile?: string | null;
  Account_Name?: { id: string; name?: string } | string | null;
  Title?: string | null;
  Description?: string | null;
  Owner?: ZohoUserRef;
  /** The provider's own clock, second resolution, with offset: "2026-11-30T10:00:00+00:00". */
  Modified_Time?: string;
  Created_Time?: string;
  [field: string]: unknown;
}

/** `info` of a CRM list answer. */
export interface ZohoPageInfo {
  per_page: number;
  count: number;
  page: number;
  more_records: boolean;
  /** v3+ only: the cursor past the 2,000-record limit of `page`. */
  next_page_token?: string | null;
  previous_page_token?: string | null;
  page_token_expiry?: string | null;
  sort_by?: string;
  sort_order?: string;
}

export interface ZohoListAnswer<T> {
  data: T[];
  info: ZohoPageInfo;
}

/** One record's outcome in a write answer (insert, update, upsert, delete). */
export interface ZohoWriteResult {
  code: string;
  status: 'success' | 'error';
  message: string;
  action?: 'insert' | 'update';
  details: { id?: string; Modified_Time?: string; api_name?: string; json_path?: string; [k: string]: unknown };
  duplicate_field?: string | null;
}

/** GET /crm/v2/Contacts/deleted rows. */
export interface ZohoDeletedRecord {
  id: string;
  display_name?: string;
  deleted_time: string;
  deleted_by?: ZohoUserRef;
  type?: 'recycle' | 'permanent';
}

/** A Zoho Creator report row: field link names as keys, `ID` as the record id. */
export interface CreatorRecord {
  ID: string;
  [field: string]: unknown;
}

export interface CreatorTarget {
  /** The app owner's name (the first path segment of /data/{owner}/{app}). */
  owner: string;
  app: string;
  form: string;
  report: string;
}
