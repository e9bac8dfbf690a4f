/**
 * Next links, in the body (`link`: next_link JsonField) or in an RFC 8288 Link header (`link_header`).
 * The run ends when there is no next link. Relative links resolve against the URL that answered, and a link
 * to another origin is an error (the request would carry our tokens there). The scheme is the answered URL's:
 * behind a TLS-terminating proxy an API writes http links into https answers, and same host and port suffice.
 * On a next link the link's own query wins: config query params are added only when the link lacks them,
 * never twice. Query params that carry secrets are stripped before the link is kept in state.
 */
import type { LinkHeaderParams, LinkParams } from '../config';
import { getField } from '../json-field';
import { addMissingQuery, baseRequest, header, stripQuery, type HttpRequest, type ResolvedEndpoint } from '../http';
import { findLink } from '../link-header';
import { ok, err, typeName, type Result } from '../result';
import type { PositionOf, StyleContext, StyleOutcome } from './types';

type Pos = PositionOf<'link'> | PositionOf<'link_header'>;

export const startBody = (): PositionOf<'link'> => ({ type: 'link', next: null });
export const startHeader = (): PositionOf<'link_header'> => ({ type: 'link_header', next: null });

export function request(pos: Pos, base: ResolvedEndpoint): Result<HttpRequest> {
  if (pos.next === null) return ok(baseRequest(base));
  return ok({ ...baseRequest(base), url: addMissingQuery(pos.next, base.query) });
}

function follow<P extends Pos>(pos: P, raw: unknown, what: string, ctx: StyleContext): StyleOutcome<P> {
  if (raw === undefined || raw === null || raw === '') return { kind: 'done', reason: 'no_next_link' };
  if (typeof raw !== 'string') return { kind: 'error', message: `${what} is ${typeName(raw)}, expected a URL string` };
  const resolved = resolveLink(raw, ctx.page.url);
  if (!resolved.ok) return { kind: 'error', message: `${what}: ${resolved.error}` };
  // The next request carries the config's headers (tokens): never send them to a host the API answered from.
  const answered = new URL(ctx.page.url);
  const link = new URL(resolved.value);
  const to = link.origin;
  link.protocol = answered.protocol; // an explicit port stays: http://host:8080 is another server
  if (link.origin !== answered.origin) return { kind: 'error', message: `${what} leads to another origin (${to}, not ${answered.origin}); not following it with our credentials` };
  const next = stripQuery(link.href, ctx.sensitive);
  return { kind: 'next', position: { ...pos, next }, token: next };
}

export function resolveLink(link: string, base: string): Result<string> {
  let u: URL;
  try {
    u = new URL(link.trim(), base);
  } catch {
    return err(`"${link.slice(0, 200)}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return err(`"${u.protocol}" links are not followed`);
  return ok(u.href);
}

export const nextBody = (p: LinkParams, pos: PositionOf<'link'>, ctx: StyleContext): StyleOutcome<PositionOf<'link'>> =>
  follow(pos, getField(ctx.page.body, p.next_link), `next_link "${p.next_link}"`, ctx);

export const nextHeader = (
  p: LinkHeaderParams,
  pos: PositionOf<'link_header'>,
  ctx: StyleContext,
): StyleOutcome<PositionOf<'link_header'>> => follow(pos, findLink(header(ctx.page.headers, 'link'), p.rel), `Link rel="${p.rel}"`, ctx);
