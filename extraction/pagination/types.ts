/** Shapes shared by the pagination styles. Everything in PageState is plain JSON, so it can be heartbeated. */

/** Where a run is: one variant per style. Links and cursors never hold secret query params (see http.ts). */
export type Position =
  | { type: 'single' }
  | { type: 'sequential'; value: number }
  | { type: 'offset'; value: number }
  /** next: null for the first page (the config's endpoint). */
  | { type: 'link'; next: string | null }
  | { type: 'link_header'; next: string | null }
  | { type: 'cursor'; cursor: string | null };

export type PositionOf<T extends Position['type']> = Extract<Position, { type: T }>;

export interface PageState {
  version: 1;
  position: Position;
  /** Pages accepted so far. */
  pages: number;
  /** Records on accepted pages, as counted by the caller. */
  records: number;
  /** Fingerprint of the last accepted page that had records. */
  lastPageHash: string | null;
  /** Pages in a row, ending with the last accepted one, that had no records. */
  emptyStreak: number;
  /** Fingerprints of the most recent cursors / next links, oldest first, bounded by SEEN_WINDOW. */
  seen: string[];
  /**
   * A child extraction's: which parent record (0-based, in the order the parent wrote them) the pages are for, and
   * `pages` when its first page was requested (max_pages counts each parent record's pages apart).
   */
  parent?: ParentPosition | undefined;
}

export interface ParentPosition {
  index: number;
  firstPage: number;
}

/** What the caller got back for the request built from the current state. */
export interface PageResponse {
  /** The URL that answered (after redirects); relative next links resolve against it. */
  url: string;
  status: number;
  headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when the body was not JSON, or null when empty. */
  body: unknown;
  /** How many records the caller extracted from this page (extractRecords). */
  records: number;
  /** Optional fingerprint of the page's records; computed from the body at data_key when absent. */
  hash?: string;
  /** Query params the sender added (auth.api_key in the query): never kept in state, like the config's secret ones. */
  sensitive?: readonly string[];
}

export type DoneReason =
  | 'single_page'
  | 'no_more_pages'
  | 'empty'
  | 'not_modified'
  | 'status'
  | 'short_page'
  | 'no_next_link'
  | 'no_cursor'
  | 'total_reached';

export type Advance =
  | { kind: 'next'; state: PageState }
  /** keepRecords: false when the page is a stop signal rather than data (status stop, 304): do not write it. */
  | { kind: 'done'; reason: DoneReason; keepRecords: boolean; state: PageState }
  /** The run must fail; the page must not be written. state is the state before this page. */
  | { kind: 'error'; message: string; state: PageState };

/** What one style decides about an accepted page. `token` is a cursor or link to check for repeats. */
export type StyleOutcome<P extends Position> =
  | { kind: 'next'; position: P; token?: string }
  | { kind: 'done'; reason: DoneReason }
  | { kind: 'error'; message: string };

export interface StyleContext {
  page: PageResponse;
  /** Query param names never kept in state (their config value is a secret or a self:: value). */
  sensitive: readonly string[];
}
