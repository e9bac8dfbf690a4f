import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Settings } from '../../config';
import type { Logger } from '../../config/logger';
import { AccountStore } from '../../store/accounts';
import { ApiKeyStore } from '../../store/api-keys';
import { ConfigStore } from '../../store/configs';
import { createCipher } from '../../store/crypto';
import { ExtractService } from '../extract';
import { checkReachability } from '../health';
import { registerAccountRoutes } from './accounts';
import { installErrorHandler } from './errors';
import { installJsonBody } from './json-body';
import { registerExtractRoutes } from './extract';
import { registerKeyRoutes } from './keys';
import { registerKommoRoutes } from './kommo';
import { registerSyncRoutes } from './sync';
import { SyncService } from '../sync';
import { ContactLinkStore } from '../../store/contact-links';
import { PairingStore } from '../../store/pairings';
import { SyncCycleStore } from '../../store/sync-cycles';

export interface ApiDeps {
  settings: Settings;
  db: Db;
  /** Lazily connected, so the API answers /health even while Temporal is down. */
  temporal: () => Promise<Client>;
  /** Where the API logs (every 5xx, with its request id); silent when absent. */
  log?: Logger;
}

/** The HTTP API: health, API keys, accounts and token refreshes; later capabilities add their routes here. */
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

  const keys = new ApiKeyStore(deps.db);
  await keys.ensureIndexes();
  await keys.ensureRoot(deps.settings.ROOT_API_KEY);
  const accounts = new AccountStore(deps.db, createCipher(deps.settings.ENCRYPTION_KEY));
  await accounts.ensureIndexes();

  app.get('/health', async (_req, reply) => {
    const checks = await checkReachability(deps.settings);
    const ok = checks.every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });
  registerKeyRoutes(app, keys);
  registerAccountRoutes(app, { settings: deps.settings, accounts, keys, temporal: deps.temporal });
  const configs = new ConfigStore(deps.db, createCipher(deps.settings.ENCRYPTION_KEY));
  await configs.ensureIndexes();
  registerExtractRoutes(app, { keys, configs, service: new ExtractService({ settings: deps.settings, configs, temporal: deps.temporal }) });
  registerKommoRoutes(app, { settings: deps.settings, db: deps.db, accounts, keys, temporal: deps.temporal, ...(deps.log ? { log: deps.log } : {}) });
  const pairings = new PairingStore(deps.db);
  const links = new ContactLinkStore(deps.db);
  const cycles = new SyncCycleStore(deps.db);
  await Promise.all([pairings.ensureIndexes(), links.ensureIndexes(), cycles.ensureIndexes()]);
  registerSyncRoutes(app, { keys, service: new SyncService({ settings: deps.settings, pairings, links, cycles, accounts, temporal: deps.temporal }) });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
