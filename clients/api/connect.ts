import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import type { Stores } from '../../store';
import { hashState } from '../../store/oauth-states';
import { CONNECT_PROVIDERS, ConnectRefused, finishConnect, startConnect, startSchema, type ConnectDeps, type ConnectProvider } from '../connect';
import { requireKey } from './auth';
import { HttpError } from './errors';
import { sendFailurePage, sendPage } from './pages';

const providerParam = z.object({ provider: z.enum(CONNECT_PROVIDERS) });

/**
 * Connecting accounts in the browser. Behind the root key (a connection stores a refresh token, like POST
 * /api/accounts): GET /api/connect/:provider answers the consent URL, GET /connect/:provider redirects to it.
 * Public, as the provider's redirect and the alert e-mail's link must be: GET /oauth/:provider/callback and
 * GET /oauth/reconnect/:link, each ending on a small page.
 */
export function registerConnectRoutes(
  app: FastifyInstance,
  deps: { settings: Settings; stores: Pick<Stores, 'accounts' | 'oauthClients' | 'oauthStates' | 'apiKeys'>; temporal: () => Promise<Client>; log?: Logger | undefined },
): void {
  const connect: ConnectDeps = { settings: deps.settings, stores: deps.stores, temporal: deps.temporal };
  const rootKey = { onRequest: requireKey(deps.stores.apiKeys, { root: true }) };

  const start = async (req: FastifyRequest) => {
    const { provider } = providerParam.parse(req.params);
    try {
      return await startConnect(connect, provider, startSchema.parse(req.query));
    } catch (err) {
      if (err instanceof ConnectRefused) throw new HttpError(err.status, err.message);
      throw err;
    }
  };
  app.get('/api/connect/:provider', rootKey, async (req) => {
    const s = await start(req);
    return { url: s.url, expiresAt: s.expiresAt.toISOString(), redirectUri: s.redirectUri };
  });
  app.get('/connect/:provider', rootKey, async (req, reply) => reply.redirect((await start(req)).url, 302));

  const failed = (req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => sendFailurePage(req, reply, err, deps.log);

  app.get('/oauth/:provider/callback', { schema: { hide: true } }, async (req, reply) => {
    const params = providerParam.safeParse(req.params);
    if (!params.success) return sendPage(reply, 404, { ok: false, title: 'Unknown provider', message: 'There is no such callback.' });
    try {
      const r = await finishConnect(connect, params.data.provider, req.query);
      return sendPage(reply, 200, {
        ok: true,
        title: r.created ? 'Account connected' : 'Account reconnected',
        message: r.created
          ? `${r.email} is connected; Switchyard keeps its token fresh from now on.`
          : `${r.email} is connected again${r.resumed.length ? `; ${r.resumed.length} paused workflow(s) resumed` : ''}${r.resumeError ? ` (its workflows could not be resumed yet: ${r.resumeError})` : ''}.`,
        details: [
          ['Account', r.accountId],
          ['Provider', params.data.provider],
        ],
      });
    } catch (err) {
      return failed(req, reply, err);
    }
  });

  // The alert e-mail's link: valid until it expires or its reconnection succeeds, each visit a new consent.
  app.get<{ Params: { link: string } }>('/oauth/reconnect/:link', { schema: { hide: true } }, async (req, reply) => {
    try {
      const link = await deps.stores.oauthStates.peek(req.params.link, 'reconnect-link');
      if (!link?.accountId) throw new ConnectRefused(400, 'This link cannot be used', 'The reconnect link is unknown, was already used, or has expired; ask an operator for a new one.');
      const provider = link.provider as ConnectProvider;
      if (!(CONNECT_PROVIDERS as readonly string[]).includes(provider)) throw new ConnectRefused(400, 'Not supported here', `${link.provider} accounts are reconnected through their install flow.`);
      const s = await startConnect(connect, provider, { account: link.accountId }, hashState(req.params.link));
      return reply.redirect(s.url, 302);
    } catch (err) {
      return failed(req, reply, err);
    }
  });
}
