import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Logger } from '../../config/logger';
import { ConnectRefused } from '../connect';
import { UI_PATH } from './ui/session';

/** Every page a consent ends on leads back to the operator page's accounts. */
export const BACK_TO_ACCOUNTS: [string, string] = ['Back to the accounts page', `${UI_PATH}/accounts`];

/** Small server-rendered pages for people in a browser (OAuth callbacks, reconnect links): no script, no build step. */

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}body.wide{max-width:72rem;margin-top:2rem}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}' +
  '.ok{color:#176f2c}.fail{color:#a61b1b}table.list{border-collapse:collapse;width:100%}table.list th,table.list td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}' +
  'form.inline{display:inline;margin:0 .3rem 0 0}nav{display:flex;gap:1rem;align-items:center;border-bottom:1px solid #ddd;padding-bottom:.5rem}nav .who{margin-left:auto;color:#555}.muted{color:#666}';

/**
 * An HTML answer with the headers every page of the API carries: never cached, no referrer (a callback's URL holds
 * a code and a state), no script, not framed. `body` is already escaped HTML.
 */
export function sendHtml(reply: FastifyReply, status: number, doc: { title: string; body: string; wide?: boolean }): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .headers({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    })
    .send(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head><body${doc.wide ? ' class="wide"' : ''}>${doc.body}</body></html>`);
}

export interface Page {
  title: string;
  message: string;
  ok: boolean;
  details?: [string, string][];
  /** Where to go next: [label, path]; by default, back to the accounts page. */
  links?: [string, string][];
}

export function sendPage(reply: FastifyReply, status: number, page: Page): FastifyReply {
  const rows = (page.details ?? []).map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const links = (page.links ?? [BACK_TO_ACCOUNTS]).map(([label, href]) => `<p><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`).join('');
  return sendHtml(reply, status, {
    title: page.title,
    body: `<h1 class="${page.ok ? 'ok' : 'fail'}">${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p>${rows ? `<table>${rows}</table>` : ''}${links}`,
  });
}

/**
 * How an OAuth callback that failed ends: a refusal on a page saying what happened (nothing was changed), a
 * malformed callback as such, anything unexpected logged with the request id and a page naming it.
 */
export function sendFailurePage(req: FastifyRequest, reply: FastifyReply, err: unknown, log?: Logger): FastifyReply {
  if (err instanceof ConnectRefused) return sendPage(reply, err.status, { ok: false, title: err.title, message: err.message });
  if (err instanceof ZodError) return sendPage(reply, 400, { ok: false, title: 'Not a valid callback', message: `The request is malformed (${err.issues.map((i) => i.path.join('.')).join(', ')}); start again.` });
  log?.error({ reqId: req.id, err: err instanceof Error ? err.message : String(err) }, 'OAuth callback failed');
  return sendPage(reply, 500, { ok: false, title: 'Something went wrong', message: `The connection could not be completed (request ${req.id}); nothing was changed.` });
}

/** Whether the caller is a browser (it asks for HTML): it gets a page, other callers the JSON answer. */
export const wantsPage = (req: FastifyRequest): boolean => /\btext\/html\b/.test(String(req.headers.accept ?? ''));
