import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../../store/api-keys';
import type { UiSession, UiSessionStore } from '../../../store/ui-sessions';

/**
 * The operator page's session: an opaque random id in an HttpOnly, SameSite=Strict cookie scoped to /ui (the
 * store keeps its hash and the API key it was opened with, never the key), and a per-session CSRF token that
 * every POST form carries. The login form, which has no session yet, is protected the same way by a short-lived
 * token held in a cookie of its own (double submit).
 */

export const UI_PATH = '/ui';
export const SESSION_COOKIE = 'switchyard_session';
export const LOGIN_COOKIE = 'switchyard_login';
/** A working day: long enough for a shift, short enough that a forgotten browser does not stay logged in for days. */
export const SESSION_TTL_MS = 8 * 3600_000;
/** How long a login form may stay open. */
export const LOGIN_FORM_TTL_S = 30 * 60;

declare module 'fastify' {
  interface FastifyRequest {
    uiSession?: UiSession & { id: string };
  }
}

/**
 * One cookie's value from the request. Parsed here rather than with @fastify/cookie, whose `cookie` 2 dependency
 * declares Node 22 (see README's prerequisites); our values are base64url, so no decoding is needed.
 */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, only under /ui, Secure when the API is served over https. */
export function cookie(name: string, value: string, opts: { maxAgeS: number; secure: boolean }): string {
  return `${name}=${value}; Path=${UI_PATH}; Max-Age=${opts.maxAgeS}; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
}

/** Whether a submitted token is the expected one (constant time). */
export function sameToken(expected: string, got: unknown): boolean {
  if (typeof got !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(got);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The session of the request, or null: unknown, expired, or opened with an API key that has since been refreshed
 * or deleted (that session is ended).
 */
export async function sessionOf(req: FastifyRequest, deps: { sessions: UiSessionStore; apiKeys: ApiKeyStore }): Promise<(UiSession & { id: string }) | null> {
  const id = readCookie(req, SESSION_COOKIE);
  if (!id) return null;
  const s = await deps.sessions.get(id);
  if (!s) return null;
  if (!(await deps.apiKeys.isCurrent(s.keyName, s.keyHash))) {
    await deps.sessions.delete(id);
    return null;
  }
  return { ...s, id };
}

/** A route hook: pages without a session go to the login form; a POST must carry the session's CSRF token. */
export function requireSession(deps: { sessions: UiSessionStore; apiKeys: ApiKeyStore }, refused: (reply: FastifyReply, status: number, message: string) => FastifyReply) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const s = await sessionOf(req, deps);
    if (!s) return req.method === 'GET' ? reply.redirect(`${UI_PATH}/login`, 303) : refused(reply, 401, 'Your session has ended: log in again.');
    if (req.method === 'POST' && !sameToken(s.csrf, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      return refused(reply, 403, 'This form is not from your session (it may be from another site, or older than your login). Reload the page and try again.');
    }
    req.uiSession = s;
    return undefined;
  };
}
