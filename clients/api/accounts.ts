import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../../config';
import { OAUTH_PROVIDERS } from '../../common/names';
import type { Stores } from '../../store';
import { ACCOUNT_STATUSES, toView } from '../../store/accounts';
import { addAccount, addOAuthClient, reconnectAccount } from '../onboarding';
import { startRefreshAll, startRefreshToken } from '../tokens';
import { withinDeadline } from '../temporal';
import { requireKey } from './auth';

const listQuery = z.object({
  provider: z.enum(OAUTH_PROVIDERS).optional(),
  status: z.enum(ACCOUNT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional(),
});

const refreshAllBody = z.object({
  provider: z.enum(OAUTH_PROVIDERS),
  expiringWithinMinutes: z.number().int().positive().optional(),
  concurrency: z.number().int().min(1).max(200).optional(),
  force: z.boolean().optional(),
});

const refreshOneBody = z.object({ force: z.boolean().optional() }).strict();

/** Accounts, OAuth clients and token refreshes. Anything that carries a secret is root-only. */
export function registerAccountRoutes(app: FastifyInstance, deps: { settings: Settings; stores: Pick<Stores, 'accounts' | 'oauthClients' | 'apiKeys'>; temporal: () => Promise<Client> }): void {
  const { accounts, apiKeys } = deps.stores;
  const anyKey = { onRequest: requireKey(apiKeys) };
  const rootKey = { onRequest: requireKey(apiKeys, { root: true }) };

  app.get('/api/oauth-clients', anyKey, async () => deps.stores.oauthClients.list());
  app.post('/api/oauth-clients', rootKey, async (req, reply) => {
    const c = await addOAuthClient(deps.stores, req.body);
    return reply.code(201).send({ id: c._id, provider: c.provider, clientId: c.clientId });
  });

  app.get('/api/accounts', anyKey, async (req) => {
    const q = listQuery.parse(req.query);
    return accounts.list({ limit: q.limit, ...(q.provider ? { provider: q.provider } : {}), ...(q.status ? { status: q.status } : {}), ...(q.after ? { afterId: q.after } : {}) });
  });
  app.post('/api/accounts', rootKey, async (req, reply) => reply.code(201).send(await addAccount(deps.stores, deps.settings, req.body)));
  app.get<{ Params: { id: string } }>('/api/accounts/:id', anyKey, async (req) => toView(await accounts.get(req.params.id)));
  app.post<{ Params: { id: string } }>('/api/accounts/:id/reconnect', rootKey, async (req) => {
    const { refreshToken } = z.strictObject({ refreshToken: z.string().min(1) }).parse(req.body);
    const temporal = await deps.temporal().catch(() => null);
    const r = await reconnectAccount(accounts, temporal, req.params.id, refreshToken);
    return { account: toView(await accounts.get(req.params.id)), ...r };
  });
  app.post<{ Params: { id: string } }>('/api/accounts/:id/refresh', anyKey, async (req, reply) => {
    const body = refreshOneBody.parse(req.body ?? {});
    const account = await accounts.get(req.params.id);
    const temporal = await deps.temporal();
    const handle = await withinDeadline(temporal, 'the refresh', () => startRefreshToken(temporal, deps.settings, req.params.id, account.provider, { force: body.force === true }));
    return reply.code(202).send({ workflowId: handle.workflowId });
  });
  app.post('/api/tokens/refresh', anyKey, async (req, reply) => {
    const body = refreshAllBody.parse(req.body ?? {});
    const temporal = await deps.temporal();
    const handle = await withinDeadline(temporal, 'the refresh', () => startRefreshAll(temporal, deps.settings, {
      provider: body.provider,
      ...(body.expiringWithinMinutes !== undefined ? { expiringWithinMinutes: body.expiringWithinMinutes } : {}),
      ...(body.concurrency !== undefined ? { concurrency: body.concurrency } : {}),
      ...(body.force ? { force: true } : {}),
    }));
    return reply.code(202).send({ workflowId: handle.workflowId });
  });
}
