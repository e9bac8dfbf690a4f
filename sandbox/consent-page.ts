import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * The consent page the Google and Zoho fakes share (Kommo's, whose request differs, uses its page, fields and buttons): the authorization request checked the way both check it (an
 * unknown client or an unregistered redirect_uri is an error page, never a redirect), a chooser of the "signed-in"
 * identity (the fake has no login) with Allow and Deny, and the redirect back: the provider's parameters on Allow,
 * error=access_denied on Deny.
 */

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function htmlPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

/** A hidden form field, escaped. */
export const hiddenInput = (name: string, value: string): string => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** The Allow and Deny buttons every fake's consent form ends with: the `decision` field the fakes read. */
export const DECISION_BUTTONS = '<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button>';

const authQuery = z.object({
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  response_type: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
  access_type: z.enum(['online', 'offline']).optional(),
  prompt: z.string().optional(),
  login_hint: z.string().optional(),
  include_granted_scopes: z.string().optional(),
});

export type AuthRequest = z.infer<typeof authQuery> & { client_id: string; redirect_uri: string; scope: string };

/** The provider's words for each refusal: [status, title, text]. */
export interface ConsentWords {
  invalidRequest: string;
  unknownClient: [number, string, string];
  redirectMismatch: [string, string];
  missingScope: [string, string];
}

export interface ConsentPage {
  /** Where it is served, inside the fake's prefix. */
  path: string;
  words: ConsentWords;
  clients: ReadonlyMap<string, { clientId: string; redirectUris: string[] }>;
  heading: (r: AuthRequest) => string;
  /** The form field naming the chosen identity, and the choices. */
  field: string;
  choices: (r: AuthRequest) => { value: string; label: string; selected: boolean }[];
  /** Allow: the parameters to redirect back with, or null for an unknown identity. */
  allow: (r: AuthRequest, chosen: string) => Record<string, string | undefined> | null;
}

function check(p: ConsentPage, reply: FastifyReply, input: unknown): AuthRequest | FastifyReply {
  const w = p.words;
  const q = authQuery.safeParse(input);
  if (!q.success) return htmlPage(reply, 400, w.invalidRequest, `<p>${escapeHtml(q.error.issues[0]?.message ?? 'invalid request')}</p>`);
  const client = p.clients.get(q.data.client_id ?? '');
  if (!client) return htmlPage(reply, w.unknownClient[0], w.unknownClient[1], `<p>${w.unknownClient[2]}</p>`);
  if (!q.data.redirect_uri || !client.redirectUris.includes(q.data.redirect_uri)) {
    return htmlPage(reply, 400, w.redirectMismatch[0], `<p>${w.redirectMismatch[1]} redirect_uri=${escapeHtml(q.data.redirect_uri ?? '')}</p>`);
  }
  if (q.data.response_type !== 'code') return htmlPage(reply, 400, w.invalidRequest, '<p>Invalid response_type: only code is supported.</p>');
  if (!q.data.scope) return htmlPage(reply, 400, w.missingScope[0], `<p>${w.missingScope[1]}</p>`);
  return { ...q.data, client_id: client.clientId, redirect_uri: q.data.redirect_uri, scope: q.data.scope };
}

function form(p: ConsentPage, r: AuthRequest): string {
  const hidden = Object.entries(r)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'login_hint')
    .map(([k, v]) => hiddenInput(k, v))
    .join('');
  const options = p
    .choices(r)
    .map((c) => `<option value="${escapeHtml(c.value)}"${c.selected ? ' selected' : ''}>${escapeHtml(c.label)}</option>`)
    .join('');
  const action = p.path.slice(p.path.lastIndexOf('/') + 1);
  return `<p>Scopes: ${escapeHtml(r.scope)}</p><form method="post" action="${escapeHtml(action)}">${hidden}<label>Signed in as <select name="${escapeHtml(p.field)}">${options}</select></label>
${DECISION_BUTTONS}</form>`;
}

function redirectBack(reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>): FastifyReply {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return reply.redirect(url.toString(), 302);
}

export function registerConsentPage(app: FastifyInstance, p: ConsentPage): void {
  app.get(p.path, async (req, reply) => {
    const r = check(p, reply, req.query);
    if (!('client_id' in r)) return r;
    if (!p.choices(r).length) return htmlPage(reply, 200, 'Sign in', '<p>Nobody is seeded in the sandbox to sign in as.</p>');
    return htmlPage(reply, 200, p.heading(r), form(p, r));
  });
  app.post(p.path, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const r = check(p, reply, body);
    if (!('client_id' in r)) return r;
    if (body.decision !== 'allow') return redirectBack(reply, r.redirect_uri, { error: 'access_denied', state: r.state });
    const chosen = body[p.field];
    const params = p.allow(r, typeof chosen === 'string' ? chosen : '');
    if (!params) return htmlPage(reply, 400, p.words.invalidRequest, '<p>Choose an account.</p>');
    return redirectBack(reply, r.redirect_uri, { state: r.state, ...params });
  });
}

/**
 * Whether a consent issues a refresh token, as Google and Zoho do: only for offline access, and then on the first
 * consent of a user to a client, or on every consent with prompt=consent.
 */
export const issuesRefreshToken = (r: Pick<AuthRequest, 'access_type' | 'prompt'>, hasLiveGrant: boolean): boolean =>
  r.access_type === 'offline' && (!hasLiveGrant || (r.prompt ?? '').split(/\s+/).includes('consent'));
