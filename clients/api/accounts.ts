import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../../config';
import { OAUTH_PROVIDERS } from '../../common/names';
import { newOAuthClientSchema, toView, type AccountStore } from '../../store/accounts';
import type { ApiKeyStore } from '../../store/api-keys';
import { addAccount, reconnectAccount } from '../onboarding';
import { startRefreshAll, startRefreshToken } from '../tokens';
import { withinDeadline } from '../temporal';
import { requireKey } from './auth';

const listQuery = z.object({
  provider: z.enum(OAUTH_PROVIDERS).optional(),
  status: z.enum(['active', 'needs_reauth', 'disabled']).optional(),
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
export function registerAccountRoutes(app: FastifyInstance, deps: { settings: Settings; accounts: AccountStore; keys: ApiKeyStore; temporal: () => Promise<Client> }): void {
  const anyKey = { onRequest: requireKey(deps.keys) };
  const rootKey = { onRequest: requireKey(deps.keys, { root: true }) };

  app.get('/api/oauth-clients', anyKey, async () => deps.accounts.listClients());
  app.post('/api/oauth-clients', rootKey, async (req, reply) => {
    const c = newOAuthClientSchema.parse(req.body);
    await deps.accounts.upsertClient(c);
    return reply.code(201).send({ id: c.id, provider: c.provider, clientId: c.clientId });
  });

  app.get('/api/accounts', anyKey, async (req) => {
    const q = listQuery.parse(req.query);
    return deps.accounts.list({ limit: q.limit, ...(q.provider ? { provider: q.provider } : {}), ...(q.status ? { status: q.status } : {}), ...(q.after ? { afterId: q.after } : {}) });
  });
  app.post('/api/accounts', rootKey, async (req, reply) => reply.code(201).send(await addAccount(deps.accounts, deps.settings, req.body)));
  app.get<{ Params: { id: string } }>('/api/accounts/:id', anyKey, async (req) => toView(await deps.accounts.get(req.params.id)));
  app.post<{ Params: { id: string } }>('/api/accounts/:id/reconnect', rootKey, async (req) => {
    const { refreshToken } = z.strictObject({ refreshToken: z.string().min(1) }).parse(req.body);
    const client = await deps.temporal().catch(() => null);
    const r = await reconnectAccount(deps.accounts, client, req.params.id, refreshToken);
    return { account: toView(await deps.accounts.get(req.params.id)), ...r };
  });
  app.post<{ Params: { id: string } }>('/api/accounts/:id/refresh', anyKey, async (req, reply) => {
    const body = refreshOneBody.parse(req.body ?? {});
    const account = await deps.accounts.get(req.params.id);
    const client = await deps.temporal();
    const handle = await withinDeadline(client, 'the refresh', () => startRefreshToken(client, deps.settings, req.params.id, account.provider, { force: body.force === true }));
    return reply.code(202).send({ workflowId: handle.workflowId });
  });
  app.post('/api/tokens/refresh', anyKey, async (req, reply) => {
    const body = refreshAllBody.parse(req.body ?? {});
    const client = await deps.temporal();
    const handle = await withinDeadline(client, 'the refresh', () => startRefreshAll(client, deps.settings, {
      provider: body.provider,
      ...(body.expiringWithinMinutes !== undefined ? { expiringWithinMinutes: body.expiringWithinMinutes } : {}),
      ...(body.concurrency !== undefined ? { concurrency: body.concurrency } : {}),
      ...(body.force ? { force: true } : {}),
    }));
    return reply.code(202).send({ workflowId: handle.workflowId });
  });
}
