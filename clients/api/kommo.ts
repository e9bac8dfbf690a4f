import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import { createMirrorConnections } from '../../activities/kommo/connect';
import { providerEndpoints } from '../../providers/endpoints';
import type { Stores } from '../../store';
import { KommoMirrorService } from '../kommo';
import { KommoSetupService } from '../kommo-setup';
import { MirrorWaker } from '../kommo-wake';
import { requireKey } from './auth';
import { answer, registerKommoPublicRoutes } from './kommo-public';

type Params = { Params: { id: string } };

const emailsBody = z.strictObject({ emails: z.array(z.string().trim().email()).min(1).max(100), delete: z.union([z.boolean(), z.literal(0), z.literal(1)]).optional() });
const queueBody = z.strictObject({ contactIds: z.array(z.number().int().positive()).min(1).max(10_000) });
const pauseBody = z.strictObject({ reason: z.string().max(500).optional() });
const contactsQuery = z.object({ page: z.string().url().optional(), limit: z.coerce.number().int().min(1).max(250).optional() });
const emailQuery = z.object({ email: z.string().trim().email() });
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/**
 * Kommo -> Unisender mirroring over HTTP (`x-api-key`; the Unisender key is root-only, being a secret): the setup
 * steps under /api/kommo, the mirror's signals and status, the seed's by-hand reads and writes, and the public
 * routes Kommo calls (install redirect, webhooks).
 */
export function registerKommoRoutes(app: FastifyInstance, deps: { settings: Settings; stores: Stores; temporal: () => Promise<Client>; log?: Logger }): { waker: MirrorWaker; setup: KommoSetupService } {
  const { kommo, accounts, apiKeys } = deps.stores;
  const endpoints = providerEndpoints(deps.settings);
  // By-hand Kommo reads from the API take one request a second at most, beside the mirror's own pace (see settings).
  const connections = createMirrorConnections({ accounts, mirrors: kommo.mirrors, endpoints, kommoRequestsPerSecond: 1, unisenderCallsPerMinute: 60 });
  const mirrors = new KommoMirrorService({ settings: deps.settings, kommo, connections, temporal: deps.temporal });
  const setup = new KommoSetupService({ settings: deps.settings, kommo, accounts, oauthClients: deps.stores.oauthClients, oauthStates: deps.stores.oauthStates, endpoints, connections, mirrorsService: mirrors, temporal: deps.temporal });
  const waker = new MirrorWaker((id, entries) => mirrors.signal(id, 'wake', { entries }).then(() => undefined), deps.log ? { log: deps.log } : {});
  app.addHook('onClose', async () => waker.idle());
  registerKommoPublicRoutes(app, { kommo, setup, waker, ...(deps.log ? { log: deps.log } : {}) });

  const anyKey = { onRequest: requireKey(apiKeys) };
  const rootKey = { onRequest: requireKey(apiKeys, { root: true }) };

  // Setup, step by step.
  app.get('/api/kommo/install', anyKey, async (req) => {
    const q = z.object({ client: z.string().optional(), account: z.string().min(1).optional() }).parse(req.query);
    return answer(() => setup.install(q.client, q.account));
  });
  app.put<Params>('/api/kommo/mirrors/:id/unisender', rootKey, async (req) => answer(() => setup.setUnisenderKey(req.params.id, req.body)));
  app.put<Params>('/api/kommo/mirrors/:id/list', anyKey, async (req) => answer(() => setup.chooseList(req.params.id, req.body)));
  app.post<Params>('/api/kommo/mirrors/:id/webhook', anyKey, async (req) => answer(() => setup.subscribeWebhook(req.params.id)));

  // The mirror and its workflow.
  app.get('/api/kommo/mirrors', anyKey, async () => answer(() => mirrors.list()));
  app.get<Params>('/api/kommo/mirrors/:id', anyKey, async (req) => answer(() => mirrors.get(req.params.id)));
  app.get<Params>('/api/kommo/mirrors/:id/status', anyKey, async (req) => answer(() => mirrors.status(req.params.id)));
  app.get<Params>('/api/kommo/mirrors/:id/rejections', anyKey, async (req) => answer(() => mirrors.rejections(req.params.id, limitQuery.parse(req.query).limit)));
  app.post<Params>('/api/kommo/mirrors/:id/full-sync', anyKey, async (req, reply) => reply.code(202).send({ workflowId: await answer(() => mirrors.signal(req.params.id, 'fullSync')) }));
  app.post<Params>('/api/kommo/mirrors/:id/pause', anyKey, async (req, reply) => {
    const body = pauseBody.parse(req.body ?? {});
    return reply.code(202).send({ workflowId: await answer(() => mirrors.signal(req.params.id, 'pause', body.reason ? { reason: body.reason } : {})) });
  });
  app.post<Params>('/api/kommo/mirrors/:id/resume', anyKey, async (req, reply) => reply.code(202).send({ workflowId: await answer(() => mirrors.signal(req.params.id, 'resume')) }));
  app.post<Params>('/api/kommo/mirrors/:id/queue', anyKey, async (req, reply) => reply.code(202).send(await answer(() => mirrors.queueContacts(req.params.id, queueBody.parse(req.body).contactIds))));

  // The seed's by-hand endpoints.
  app.get<Params>('/api/kommo/mirrors/:id/kommo-contacts', anyKey, async (req) => {
    const q = contactsQuery.parse(req.query);
    return answer(() => mirrors.kommoContacts(req.params.id, { ...(q.page ? { page: q.page } : {}), ...(q.limit ? { limit: q.limit } : {}) }));
  });
  app.get<Params>('/api/kommo/mirrors/:id/unisender-contacts', anyKey, async (req) => answer(() => mirrors.unisenderContact(req.params.id, emailQuery.parse(req.query).email)));
  app.post<Params>('/api/kommo/mirrors/:id/unisender-contacts', anyKey, async (req) => {
    const body = emailsBody.parse(req.body);
    return answer(() => mirrors.byHand(req.params.id, body.emails, body.delete === true || body.delete === 1));
  });
  if (!deps.settings.KOMMO_WEBHOOK_BASE_URL && deps.settings.NODE_ENV === 'production') {
    deps.log?.warn('KOMMO_WEBHOOK_BASE_URL is not set: Kommo webhooks would be subscribed at 127.0.0.1');
  }
  return { waker, setup };
}
