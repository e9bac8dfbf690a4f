import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiPublicUrl, temporalUiUrl, type Settings } from '../../../config';
import type { Stores } from '../../../store';
import { AccountInvalid, AccountNotFound } from '../../../store/accounts';
import { hashKey } from '../../../store/api-keys';
import { ConnectRefused } from '../../connect';
import { KommoSetupError, type KommoSetupService } from '../../kommo-setup';
import { sendHtml, sendPage } from '../pages';
import { accountsPage, loginPage } from './accounts-page';
import { consentStarter } from './consent';
import { cookie, LOGIN_COOKIE, LOGIN_FORM_TTL_S, readCookie, requireSession, sameToken, SESSION_COOKIE, SESSION_TTL_MS, sessionOf, UI_PATH } from './session';

/** How many accounts one page lists (and how many needing attention are shown above them). */
const PAGE_SIZE = 100;

const loginBody = z.object({ apiKey: z.string().max(500).optional(), csrf: z.string().max(200).optional() });
const connectBody = z.object({ client: z.string().min(1).max(200) });
const reconnectBody = z.object({ account: z.string().min(1).max(200) });
const listQuery = z.object({ after: z.string().max(200).optional() });

/**
 * The operator page, under /ui: a login form that takes an API key and opens a session, the accounts (those
 * needing attention first) with their token state, a Connect button per OAuth client and Reconnect on each
 * account that needs it (both start the consent flows of the API), and a link to each account's workflows in the
 * Temporal Web UI. Plain server-rendered HTML, no script.
 */
export function registerUiRoutes(
  app: FastifyInstance,
  deps: { settings: Settings; stores: Pick<Stores, 'accounts' | 'oauthClients' | 'oauthStates' | 'apiKeys' | 'uiSessions'>; kommo: KommoSetupService },
): void {
  const { settings, stores } = deps;
  const sessions = { sessions: stores.uiSessions, apiKeys: stores.apiKeys };
  const secure = apiPublicUrl(settings).startsWith('https:');
  const starter = consentStarter({ connect: { settings, stores }, stores, kommo: deps.kommo });
  const refused = (reply: FastifyReply, status: number, message: string): FastifyReply =>
    sendPage(reply, status, { ok: false, title: status === 401 ? 'Logged out' : 'Refused', message, links: [['Log in', `${UI_PATH}/login`]] });
  const withSession = { preHandler: requireSession(sessions, refused), schema: { hide: true } };
  const hidden = { schema: { hide: true } };

  const showLogin = (reply: FastifyReply, status: number, error?: string): FastifyReply => {
    const token = randomBytes(24).toString('base64url');
    reply.header('set-cookie', cookie(LOGIN_COOKIE, token, { maxAgeS: LOGIN_FORM_TTL_S, secure }));
    return sendHtml(reply, status, { title: 'Log in: Switchyard', body: loginPage(token, error) });
  };

  async function showAccounts(req: FastifyRequest, reply: FastifyReply, status: number, notice?: { ok: boolean; text: string }): Promise<FastifyReply> {
    const s = req.uiSession!;
    const { after } = listQuery.parse(req.query);
    const [attention, accounts, clients] = await Promise.all([
      stores.accounts.list({ status: 'needs_reauth', limit: PAGE_SIZE }),
      stores.accounts.list({ limit: PAGE_SIZE + 1, ...(after ? { afterId: after } : {}) }),
      stores.oauthClients.list(),
    ]);
    const more = accounts.length > PAGE_SIZE;
    const shown = accounts.slice(0, PAGE_SIZE);
    const body = accountsPage({
      viewer: { keyName: s.keyName, isRoot: s.isRoot, csrf: s.csrf },
      attention,
      accounts: shown,
      nextAfter: more ? (shown.at(-1)?.id ?? null) : null,
      clients,
      workflowsUrl: `${temporalUiUrl(settings)}/namespaces/${encodeURIComponent(settings.TEMPORAL_NAMESPACE)}/workflows`,
      notice,
    });
    return sendHtml(reply, status, { title: 'Accounts: Switchyard', body, wide: true });
  }

  /** Starts a consent flow and sends the browser there; a refusal is shown on the accounts page. */
  async function toConsent(req: FastifyRequest, reply: FastifyReply, target: { client: string } | { account: string }): Promise<FastifyReply> {
    try {
      return reply.redirect(await starter.consentUrl(target, req.uiSession!.isRoot), 303);
    } catch (err) {
      if (err instanceof ConnectRefused || err instanceof KommoSetupError) return showAccounts(req, reply, err.status, { ok: false, text: err.message });
      if (err instanceof AccountInvalid) return showAccounts(req, reply, 400, { ok: false, text: err.message });
      if (err instanceof AccountNotFound) return showAccounts(req, reply, 404, { ok: false, text: err.message });
      throw err;
    }
  }

  app.get(UI_PATH, hidden, async (_req, reply) => reply.redirect(`${UI_PATH}/accounts`, 303));
  app.get(`${UI_PATH}/login`, hidden, async (req, reply) => ((await sessionOf(req, sessions)) ? reply.redirect(`${UI_PATH}/accounts`, 303) : showLogin(reply, 200)));

  app.post(`${UI_PATH}/login`, hidden, async (req, reply) => {
    const body = loginBody.parse(req.body ?? {});
    const expected = readCookie(req, LOGIN_COOKIE);
    if (!expected || !sameToken(expected, body.csrf)) return showLogin(reply, 403, 'The login form expired or did not come from this page: try again.');
    const caller = body.apiKey ? await stores.apiKeys.verify(body.apiKey) : null;
    if (!caller || !body.apiKey) return showLogin(reply, 401, 'That API key is not known.');
    const { id } = await stores.uiSessions.create({ ...caller, keyHash: hashKey(body.apiKey) }, SESSION_TTL_MS);
    reply.header('set-cookie', [cookie(SESSION_COOKIE, id, { maxAgeS: SESSION_TTL_MS / 1000, secure }), cookie(LOGIN_COOKIE, '', { maxAgeS: 0, secure })]);
    return reply.redirect(`${UI_PATH}/accounts`, 303);
  });

  app.post(`${UI_PATH}/logout`, withSession, async (req, reply) => {
    await stores.uiSessions.delete(req.uiSession!.id);
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeS: 0, secure }));
    return reply.redirect(`${UI_PATH}/login`, 303);
  });

  app.get(`${UI_PATH}/accounts`, withSession, async (req, reply) => showAccounts(req, reply, 200));
  app.post(`${UI_PATH}/connect`, withSession, async (req, reply) => toConsent(req, reply, connectBody.parse(req.body)));
  app.post(`${UI_PATH}/reconnect`, withSession, async (req, reply) => toConsent(req, reply, reconnectBody.parse(req.body)));
}
