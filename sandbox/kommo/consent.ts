import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DECISION_BUTTONS, escapeHtml, hiddenInput, htmlPage } from '../consent-page';
import { installRedirect, mintAuthorizationCode } from './oauth';
import type { KommoState } from './state';
import type { KommoAccount } from './store';

/**
 * Kommo's consent page, https://www.kommo.com/oauth?client_id=...&state=...&mode=post_message|popup, served at
 * <sandbox>/kommo/www/oauth. The page lists the accounts the "logged-in user" may grant (every seeded account of
 * that client id) with Allow and Deny; its form posts back here. Allow mints a single-use code and redirects to
 * the integration's redirect URI with code, state, referer and client_id. Deny: see config `consent.onDeny`.
 * https://www.kommo.com/developers/content/oauth/button/
 */

const MODES = ['post_message', 'popup'] as const;

const pageQuery = z.object({
  client_id: z.string().min(1),
  state: z.string().optional(),
  mode: z.enum(MODES).default('post_message'),
});

const decisionBody = pageQuery.extend({
  decision: z.enum(['allow', 'deny']),
  /** Which account, when the user belongs to several that installed the client. */
  subdomain: z.string().optional(),
});

const hidden = (name: string, value: string | undefined): string => (value === undefined ? '' : hiddenInput(name, value));

function consentForm(accounts: KommoAccount[], q: z.infer<typeof pageQuery>): string {
  const choice =
    accounts.length === 1
      ? hidden('subdomain', accounts[0]?.subdomain)
      : `<select name="subdomain">${accounts.map((a) => `<option value="${escapeHtml(a.subdomain)}">${escapeHtml(a.name)} (${escapeHtml(a.subdomain)}.kommo.com)</option>`).join('')}</select>`;
  return `<form method="post" action="oauth">${hidden('client_id', q.client_id)}${hidden('state', q.state)}${hidden('mode', q.mode)}${choice}
${DECISION_BUTTONS}</form>`;
}

export function registerConsentRoutes(app: FastifyInstance, state: KommoState): void {
  const accountsOf = (clientId: string): KommoAccount[] => [...state.accounts.values()].filter((a) => a.clientId === clientId);

  app.get('/www/oauth', async (req, reply) => {
    const q = pageQuery.safeParse(req.query);
    if (!q.success) return htmlPage(reply, 400, 'Bad request', '<p>client_id is required; mode is post_message or popup.</p>');
    const accounts = accountsOf(q.data.client_id);
    if (!accounts.length) return htmlPage(reply, 404, 'Integration not found', '<p>No integration with this client_id.</p>');
    return htmlPage(reply, 200, `Grant access to integration ${q.data.client_id}`, consentForm(accounts, q.data));
  });

  app.post('/www/oauth', async (req, reply) => {
    const b = decisionBody.safeParse(req.body ?? {});
    if (!b.success) return htmlPage(reply, 400, 'Bad request', '<p>client_id and decision (allow or deny) are required.</p>');
    const accounts = accountsOf(b.data.client_id);
    const acc = b.data.subdomain === undefined && accounts.length === 1 ? accounts[0] : accounts.find((a) => a.subdomain === b.data.subdomain);
    if (!acc) return htmlPage(reply, 400, 'Bad request', '<p>Choose one of your accounts.</p>');
    if (b.data.decision === 'allow') {
      const code = mintAuthorizationCode(state, acc);
      return reply.redirect(installRedirect(acc, { code, state: b.data.state }), 302);
    }
    if (state.config.consent.onDeny === 'page') {
      const message = JSON.stringify({ error: 'access_denied', client_id: acc.clientId, ...(b.data.state !== undefined ? { state: b.data.state } : {}) });
      return htmlPage(reply, 200, 'Access denied', `<script>window.opener && window.opener.postMessage(${message.replace(/</g, '\\u003c')}, '*'); window.close();</script>`);
    }
    const url = new URL(acc.redirectUri);
    url.searchParams.set('error', 'access_denied');
    if (b.data.state !== undefined) url.searchParams.set('state', b.data.state);
    url.searchParams.set('client_id', acc.clientId);
    return reply.redirect(url.toString(), 302);
  });
}
