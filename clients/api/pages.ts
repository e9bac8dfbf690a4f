import type { FastifyReply } from 'fastify';

/** Small server-rendered pages for people in a browser (OAuth callbacks, reconnect links): no script, no build step. */

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
