import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import { openStores } from '../../store';
import { ExtractionService } from '../extraction';
import { checkReachability } from '../health';
import { registerAccountRoutes } from './accounts';
import { registerConnectRoutes } from './connect';
import { installErrorHandler } from './errors';
import { installJsonBody } from './json-body';
import { registerExtractionRoutes } from './extraction';
import { registerKeyRoutes } from './keys';
import { registerKommoRoutes } from './kommo';
import { registerMetrics } from './metrics';
import { registerSyncRoutes } from './sync';
import { registerUiRoutes } from './ui/routes';
import { SyncService } from '../sync';

export interface ApiDeps {
  settings: Settings;
  db: Db;
  /** Lazily connected, so the API answers /health even while Temporal is down. */
  temporal: () => Promise<Client>;
  /** Where the API logs (every 5xx, with its request id); silent when absent. */
  log?: Logger;
}

/** The HTTP API: health, API keys, accounts and token refreshes, the operator page (/ui); later capabilities add their routes here. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log as FastifyBaseLogger } : { logger: false }),
    // Only failures are logged (installErrorHandler); one line per request would drown them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 5 * 1024 * 1024,
    // A caller's own request id is kept (so it can find its request in our log), else one is made.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  await app.register(formbody);
  // The OpenAPI document of every route, served at GET /api/openapi.json.
  await app.register(swagger, {
    openapi: {
      info: { title: 'Switchyard API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    },
  });
  installErrorHandler(app);
  installJsonBody(app);

  const stores = await openStores(deps.db, deps.settings);
  await stores.apiKeys.ensureRoot(deps.settings.ROOT_API_KEY);

  // Readiness (/health, /health/ready): Temporal, MongoDB and S3 answer. Liveness (/health/live): this process
  // answers; an orchestrator restarts on a failed liveness, but only stops routing on a failed readiness.
  const ready = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    const checks = await checkReachability(deps.settings);
    const ok = checks.every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  };
  app.get('/health', ready);
  app.get('/health/ready', ready);
  app.get('/health/live', async () => ({ ok: true }));
  registerMetrics(app);
  registerKeyRoutes(app, stores.apiKeys);
  registerAccountRoutes(app, { settings: deps.settings, stores, temporal: deps.temporal });
  registerConnectRoutes(app, { settings: deps.settings, stores, temporal: deps.temporal, log: deps.log });
  registerExtractionRoutes(app, { stores, service: new ExtractionService({ settings: deps.settings, configs: stores.configs, secrets: stores.secrets, temporal: deps.temporal }) });
  const kommo = registerKommoRoutes(app, { settings: deps.settings, stores, temporal: deps.temporal, ...(deps.log ? { log: deps.log } : {}) });
  registerSyncRoutes(app, { keys: stores.apiKeys, service: new SyncService({ settings: deps.settings, pairings: stores.pairings, links: stores.links, cycles: stores.cycles, accounts: stores.accounts, temporal: deps.temporal }) });
  registerUiRoutes(app, { settings: deps.settings, stores, kommo: kommo.setup });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
