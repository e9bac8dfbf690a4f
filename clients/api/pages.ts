import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Logger } from '../../config/logger';
import { ConnectRefused } from '../connect';

/** Small server-rendered pages for people in a browser (OAuth callbacks, reconnect links): no script, no build step. */

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.4rem}.ok{color:#176f2c}.fail{color:#a61b1b}';

export function sendPage(reply: FastifyReply, status: number, page: { title: string; message: string; ok: boolean; details?: [string, string][] }): FastifyReply {
  const rows = (page.details ?? []).map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    // The page shows no secret, but it answers a URL holding a code and a state: keep both out of caches and referrers.
    .headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" })
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title><style>${STYLE}</style></head>` +
        `<body><h1 class="${page.ok ? 'ok' : 'fail'}">${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p>${rows ? `<table>${rows}</table>` : ''}</body></html>`,
    );
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
