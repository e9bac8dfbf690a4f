/**
 * The contract a provider meets to take part in contact sync: list what changed since a cursor, read records
 * by id, and write in batches, each write answering per item. A new provider is one folder: its client, its
 * mapper (raw record <-> canonical contact) and an adapter implementing this interface. Types only: adapters
 * live with their provider; activities drive them and hand the engine SideRecords.
 */
import type { BatchLimits } from './batch';
import type { WriteOutcome } from './settle';
import type { CreateItem, DeleteItem, SideRecord, TagItem, UpdateItem } from './types';

/** One page of a listing of changes, in the provider's raw shape. */
export interface ChangePage<Raw> {
  /** Changed (or, in a full listing, all) records. */
  records: Raw[];
  /** Ids the provider reports deleted on this page. */
  deleted: string[];
  /** The next page of this listing; absent on its last page. */
  nextPage?: string;
  /** On the last page: the cursor for the next listing (Google's nextSyncToken, the newest Zoho Modified_Time seen). */
  nextCursor?: string;
  /** Started without a cursor: once every page is read, the listing is complete and deletes follow by set difference. */
  full: boolean;
}

export type ListResult<Raw> =
  | { kind: 'page'; page: ChangePage<Raw> }
  /** The provider no longer accepts the cursor (Google's EXPIRED_SYNC_TOKEN after 7 days): list in full again. */
  | { kind: 'cursorExpired' };

/** One item of a batch write, in the order of the request. */
export interface ItemResult<Raw> {
  /** The link id the write was for (a create has no record id until answered). */
  linkId: string;
  outcome: WriteOutcome;
  /** The record as the provider returned it after the write, when it does (Google returns the person). */
  record?: Raw;
}

export interface ContactAdapter<Raw> {
  /** For logs and metrics: "google", "zoho-crm", "zoho-creator". */
  readonly provider: string;
  readonly limits: BatchLimits;
  /**
   * A create sent again with the same link id changes the record the first one made (Zoho CRM's upsert on the unique
   * link id field). Otherwise a create that may have gone through unanswered is looked for before it is sent again.
   */
  readonly idempotentCreates?: boolean;
  /** Changes since `cursor` (null: a full listing), one page at a time from `page`. */
  listChanges(cursor: string | null, page?: string): Promise<ListResult<Raw>>;
  /** Records by id; an id that no longer exists is absent from the answer. */
  getMany(ids: readonly string[]): Promise<Raw[]>;
  /** At most limits.create items; each created record carries its link id. */
  create(items: readonly CreateItem[]): Promise<Array<ItemResult<Raw>>>;
  /**
   * At most limits.update items, each written from the record as it is now (`current`, read just before: Google
   * needs its etag and keeps the list entries sync does not map). A version newer than the item's baseVersion
   * answers { ok: false, reason: 'conflict' }: the activity then calls redecide with the fresh record.
   */
  update(items: readonly UpdateItem[], current: ReadonlyMap<string, Raw>): Promise<Array<ItemResult<Raw>>>;
  /** At most limits.delete items; a record already gone answers { ok: false, reason: 'notFound' }. */
  delete(items: readonly DeleteItem[]): Promise<Array<ItemResult<Raw>>>;
  /** At most limits.tag items: mark records whose counterpart was deleted (a Google contact group, a CRM tag, a Creator field). */
  tag(items: readonly TagItem[]): Promise<Array<ItemResult<Raw>>>;
  /** The engine's view of a raw record, through the provider's mapper and the pairing's field mapping. */
  toRecord(raw: Raw): SideRecord;
  /** The id of a raw record that is a deletion marker (Google's metadata.deleted), else undefined. */
  deletedId(raw: Raw): string | undefined;
}
