/**
 * Pagination as a pure state machine. A run is:
 *
 *   let state = startPagination(extraction);
 *   loop: req = requestFor(extraction, state, refs)      // resolve references now (fresh token)
 *         res = <send req>                                // caller: 401 refresh, 429/5xx retry, before advance
 *         recs = 2xx ? extractRecords(extraction, body) : []
 *         a = advance(extraction, state, { url, status, headers, body, records: recs.length })
 *         'next'  -> write the page's records, heartbeat a.state, continue
 *         'done'  -> write them if a.keepRecords, finish
 *         'error' -> fail the run, do not write the page
 *
 * PageState is plain JSON without secrets: heartbeat it, and resume a retried attempt from it.
 * Termination is guaranteed: every style has a stop rule (checked at parse time), a page or cursor/link
 * that repeats is an error, so are MAX_EMPTY_PAGES_IN_A_ROW empty pages that claim more follow, and
 * max_pages (default DEFAULT_MAX_PAGES) bounds the rest.
 * A new style is one module with start/request/next, one schema in config.ts and one case below.
 */
import { z } from 'zod';
import { DEFAULT_MAX_PAGES, type Extraction } from '../config';
import { fingerprint, hashString } from '../fingerprint';
import { baseRequest, isBlankBody, resolveEndpoint, sensitiveQueryNames, type HttpRequest } from '../http';
import { selectData } from '../record-selector';
import type { ReferenceContext } from '../references';
import { err, ok, type Result } from '../result';
import * as cursor from './cursor';
import * as link from './link';
import * as offset from './offset';
import * as sequential from './sequential';
import type { Advance, DoneReason, PageResponse, PageState, Position, StyleContext, StyleOutcome } from './types';

export type { Advance, DoneReason, PageResponse, PageState, ParentPosition, Position } from './types';

/** How many recent cursors/links are remembered to catch loops; the rest is max_pages' job. */
export const SEEN_WINDOW = 64;

/**
 * Pages in a row without records after which "more pages" is not believed. Catches an API that answers
 * 200 with an empty list forever past the end (a status-only stop rule would otherwise run to max_pages).
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 3;

type PagedExtraction = Pick<Extraction, 'endpoint' | 'pagination' | 'data_key'>;

export function startPagination(extraction: Pick<Extraction, 'pagination' | 'parent'>): PageState {
  const start: PageState = { version: 1, position: startPosition(extraction), pages: 0, records: 0, lastPageHash: null, emptyStreak: 0, seen: [] };
  return extraction.parent ? { ...start, parent: { index: 0, firstPage: 0 } } : start;
}

/**
 * A child extraction's state for the next parent record, once the pages of the current one are done: the style's
 * first page again and fresh loop guards; the counts go on.
 */
export function nextParentRecord(extraction: Pick<Extraction, 'pagination'>, state: PageState): PageState {
  return {
    ...state,
    position: startPosition(extraction),
    lastPageHash: null,
    emptyStreak: 0,
    seen: [],
    parent: { index: (state.parent?.index ?? 0) + 1, firstPage: state.pages },
  };
}

function startPosition(extraction: Pick<Extraction, 'pagination'>): Position {
  const pg = extraction.pagination;
  let position: Position;
  if (!pg) position = { type: 'single' };
  else {
    switch (pg.type) {
      case 'sequential':
        position = sequential.start(pg.parameters);
        break;
      case 'offset':
        position = offset.start(pg.parameters);
        break;
      case 'link':
        position = link.startBody();
        break;
      case 'link_header':
        position = link.startHeader();
        break;
      case 'cursor':
        position = cursor.start();
        break;
    }
  }
  return position;
}

const MISMATCH = 'pagination state does not match the config (was the config changed during the run?)';

/** The request for the page the state points at. References are resolved here, from `ctx`. */
export function requestFor(extraction: PagedExtraction, state: PageState, ctx: ReferenceContext): Result<HttpRequest> {
  const base = resolveEndpoint(extraction.endpoint, ctx);
  if (!base.ok) return err(base.error);
  const pg = extraction.pagination;
  const pos = state.position;
  if (!pg) return pos.type === 'single' ? ok(baseRequest(base.value)) : err(MISMATCH);
  switch (pg.type) {
    case 'sequential':
      return pos.type === 'sequential' ? sequential.request(pg.parameters, pos, base.value) : err(MISMATCH);
    case 'offset':
      return pos.type === 'offset' ? offset.request(pg.parameters, pos, base.value) : err(MISMATCH);
    case 'link':
    case 'link_header':
      return pos.type === pg.type ? link.request(pos, base.value) : err(MISMATCH);
    case 'cursor':
      return pos.type === 'cursor' ? cursor.request(pg.parameters, pos, base.value) : err(MISMATCH);
  }
}

function styleNext(extraction: PagedExtraction, pos: Position, ctx: StyleContext): StyleOutcome<Position> {
  const pg = extraction.pagination;
  const mismatch = { kind: 'error', message: MISMATCH } as const;
  if (!pg) return pos.type === 'single' ? { kind: 'done', reason: 'single_page' } : mismatch;
  switch (pg.type) {
    case 'sequential':
      return pos.type === 'sequential' ? sequential.next(pg.parameters, pos, ctx) : mismatch;
    case 'offset':
      return pos.type === 'offset' ? offset.next(pg.parameters, pos, ctx) : mismatch;
    case 'link':
      return pos.type === 'link' ? link.nextBody(pg.parameters, pos, ctx) : mismatch;
    case 'link_header':
      return pos.type === 'link_header' ? link.nextHeader(pg.parameters, pos, ctx) : mismatch;
    case 'cursor':
      return pos.type === 'cursor' ? cursor.next(pg.parameters, pos, ctx) : mismatch;
  }
}

/** What an error body says, briefly (Zoho's `code`, an OAuth `error`, a `message`), for the run log. */
function providerSays(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return '';
  const b = body as Record<string, unknown>;
  const parts = [b.code, b.error, b.message].filter((v): v is string => typeof v === 'string' && v.length > 0).map((v) => v.slice(0, 200));
  return parts.length ? ` (${parts.join(': ')})` : '';
}

/** The records part of a body, which is what a "same page twice" check must compare (metadata may differ). */
const pageData = (extraction: PagedExtraction, body: unknown): unknown =>
  selectData(extraction.data_key, body);

/** Decides what follows the page just fetched. Call it before writing the page's records. */
export function advance(extraction: PagedExtraction, state: PageState, page: PageResponse): Advance {
  const fail = (message: string): Advance => ({ kind: 'error', message, state });
  const done = (reason: DoneReason, keepRecords: boolean, s: PageState): Advance => ({ kind: 'done', reason, keepRecords, state: s });
  const pg = extraction.pagination;
  const accepted: PageState = { ...state, pages: state.pages + 1, records: state.records + page.records };

  // 1. Status. With continue_while_status_code_is the status is the stop signal (the seed's Zoho Desk
  //    example); otherwise a non-2xx answer that reached us is not a page.
  const continueStatus = pg?.type === 'sequential' ? pg.parameters.continue_while_status_code_is : undefined;
  if (continueStatus !== undefined) {
    if (page.status !== continueStatus) return done('status', false, state);
  } else {
    if (page.status === 304) return done('not_modified', false, state);
    if (page.status < 200 || page.status > 299) return fail(`unexpected HTTP status ${page.status} for a page${providerSays(page.body)}`);
  }
  // 2. A body with no content (204, or 200 with nothing) holds no records and no way to continue: the end,
  //    whatever the style (Zoho answers 204 when there is nothing to list).
  if (page.status === 204 || isBlankBody(page.body)) return done('empty', true, { ...accepted, records: state.records });

  // 3. The same records as the previous page: the API ignored the page parameter (the last page served
  //    again). Writing it would duplicate rows and following it would loop.
  const hash = page.hash ?? fingerprint(pageData(extraction, page.body));
  if (page.records > 0 && hash === state.lastPageHash) {
    return fail(`the API served the same page twice (page ${accepted.pages}); stopping instead of duplicating records`);
  }
  const after: PageState = {
    ...accepted,
    lastPageHash: page.records > 0 ? hash : null,
    emptyStreak: page.records > 0 ? 0 : state.emptyStreak + 1,
  };

  // 4. The style's own rule.
  const outcome = styleNext(extraction, state.position, { page, sensitive: [...sensitiveQueryNames(extraction.endpoint), ...(page.sensitive ?? [])] });
  if (outcome.kind === 'error') return fail(outcome.message);
  if (outcome.kind === 'done') return done(outcome.reason, true, after);

  // 5. Loop guards.
  let seen = state.seen;
  if (outcome.token !== undefined) {
    const h = hashString(outcome.token);
    if (seen.includes(h)) return fail(`the API sent a cursor or next link it had already sent (page ${accepted.pages}); it would loop`);
    seen = [...seen, h].slice(-SEEN_WINDOW);
  }
  if (after.emptyStreak >= MAX_EMPTY_PAGES_IN_A_ROW) {
    const hint = pg?.type === 'sequential' ? '; if an empty page means the end, set stop_when_response_body_is_empty' : '';
    return fail(`${after.emptyStreak} pages in a row had no records but the API still reports more pages${hint}`);
  }
  const max = pg?.max_pages ?? DEFAULT_MAX_PAGES;
  if (after.pages - (state.parent?.firstPage ?? 0) >= max) return fail(`max_pages (${max}) reached while the API still reports more pages`);
  return { kind: 'next', state: { ...after, position: outcome.position, seen } };
}

const positionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('single') }),
  z.object({ type: z.literal('sequential'), value: z.number() }),
  z.object({ type: z.literal('offset'), value: z.number() }),
  z.object({ type: z.literal('link'), next: z.string().nullable() }),
  z.object({ type: z.literal('link_header'), next: z.string().nullable() }),
  z.object({ type: z.literal('cursor'), cursor: z.string().nullable() }),
]);

const pageStateSchema = z.object({
  version: z.literal(1),
  position: positionSchema,
  pages: z.number().int().min(0),
  records: z.number().int().min(0),
  lastPageHash: z.string().nullable(),
  emptyStreak: z.number().int().min(0),
  seen: z.array(z.string()),
  parent: z.object({ index: z.number().int().min(0), firstPage: z.number().int().min(0) }).optional(),
});

/** Validates a state read back from heartbeat details before a retried attempt resumes from it. */
export function parsePageState(value: unknown): Result<PageState> {
  const r = pageStateSchema.safeParse(value);
  return r.success ? ok(r.data) : err(`invalid pagination state: ${r.error.issues.map((i) => i.message).join('; ')}`);
}
