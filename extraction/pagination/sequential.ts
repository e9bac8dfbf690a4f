/**
 * Sequential pages: `param_name` = start_from, start_from + step, ... (page numbers, or `from` offsets as
 * in the seed's Zoho Desk example). The config's query params stay on every page.
 * Stop rules, checked in this order:
 *   continue_while_status_code_is (in advance(): any other status ends the run, that page is not data),
 *   stop_when_response_body_is_empty (blank/[]/{} body, or no records at data_key),
 *   stop_when_records_fewer_than (ours),
 *   there_are_more_pages (false ends; a missing field is an error).
 * A short page does not end the run unless stop_when_records_fewer_than says so.
 */
import { evaluateMorePages, parseMorePages } from '../condition';
import type { SequentialParams } from '../config';
import { isEmptyBody, type HttpRequest, type ResolvedEndpoint, baseRequest } from '../http';
import { ok, type Result } from '../result';
import type { PositionOf, StyleContext, StyleOutcome } from './types';

type Pos = PositionOf<'sequential'>;

export const start = (p: SequentialParams): Pos => ({ type: 'sequential', value: p.start_from });

export const request = (p: SequentialParams, pos: Pos, base: ResolvedEndpoint): Result<HttpRequest> =>
  ok(baseRequest(base, [[p.param_name, String(pos.value)]]));

export function next(p: SequentialParams, pos: Pos, { page }: StyleContext): StyleOutcome<Pos> {
  if (p.stop_when_response_body_is_empty && (isEmptyBody(page.body) || page.records === 0)) return { kind: 'done', reason: 'empty' };
  if (p.stop_when_records_fewer_than !== undefined && page.records < p.stop_when_records_fewer_than) {
    return { kind: 'done', reason: 'short_page' };
  }
  if (p.there_are_more_pages !== undefined) {
    const rule = parseMorePages(p.there_are_more_pages);
    if (!rule.ok) return { kind: 'error', message: rule.error };
    const more = evaluateMorePages(rule.value, page.body);
    if (!more.ok) return { kind: 'error', message: more.error };
    if (!more.value) return { kind: 'done', reason: 'no_more_pages' };
  }
  return { kind: 'next', position: { type: 'sequential', value: pos.value + p.step } };
}
