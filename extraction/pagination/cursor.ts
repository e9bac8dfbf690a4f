/**
 * Opaque cursors: read from a body JsonField (Google's nextPageToken, Zoho CRM's info.next_page_token)
 * or a response header (Zoho Creator's record_cursor), sent back as a query param, a header or a body field.
 * The run ends when there_are_more_pages is false, or when no cursor comes back; a cursor announced by
 * there_are_more_pages but missing is an error.
 */
import { evaluateMorePages, parseMorePages } from '../condition';
import type { CursorParams } from '../config';
import { getField, setField } from '../json-field';
import { baseRequest, header, type HttpRequest, type ResolvedEndpoint } from '../http';
import { err, ok, typeName, type Result } from '../result';
import type { PositionOf, StyleContext, StyleOutcome } from './types';

type Pos = PositionOf<'cursor'>;

export const start = (): Pos => ({ type: 'cursor', cursor: null });

export function request(p: CursorParams, pos: Pos, base: ResolvedEndpoint): Result<HttpRequest> {
  if (pos.cursor === null) return ok(baseRequest(base));
  switch (p.send_as) {
    case 'query':
      return ok(baseRequest(base, [[p.param_name, pos.cursor]]));
    case 'header': {
      const req = baseRequest(base);
      req.headers[p.param_name] = pos.cursor;
      return ok(req);
    }
    case 'body': {
      const body = setField(base.body, p.param_name, pos.cursor);
      if (!body.ok) return err(body.error);
      return ok({ ...baseRequest(base), body: body.value });
    }
  }
}

export function next(p: CursorParams, pos: Pos, { page }: StyleContext): StyleOutcome<Pos> {
  let more: boolean | undefined;
  if (p.there_are_more_pages !== undefined) {
    const rule = parseMorePages(p.there_are_more_pages);
    if (!rule.ok) return { kind: 'error', message: rule.error };
    const r = evaluateMorePages(rule.value, page.body);
    if (!r.ok) return { kind: 'error', message: r.error };
    more = r.value;
    if (!more) return { kind: 'done', reason: 'no_more_pages' };
  }
  const raw = p.cursor_key !== undefined ? getField(page.body, p.cursor_key) : header(page.headers, p.cursor_header ?? '');
  const where = p.cursor_key !== undefined ? `cursor_key "${p.cursor_key}"` : `cursor_header "${p.cursor_header ?? ''}"`;
  if (raw === undefined || raw === null || raw === '') {
    return more ? { kind: 'error', message: `there_are_more_pages is true but ${where} is missing` } : { kind: 'done', reason: 'no_cursor' };
  }
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') return { kind: 'error', message: `${where} is ${typeName(raw)}, expected a string` };
  const cursor = String(raw);
  return { kind: 'next', position: { ...pos, cursor }, token: cursor };
}
