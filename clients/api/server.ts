import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Settings } from '../../config';
import { AccountStore } from '../../store/accounts';
import { ApiKeyStore } from '../../store/api-keys';
import { createCipher } from '../../store/crypto';
import { checkReachability } from '../health';
import { registerAccountRoutes } from './accounts';
import { installErrorHandler } from './errors';
import { registerKeyRoutes } from './keys';

export interface ApiDeps {
  settings: Settings;
  db: Db;
  /** Lazily connected, so the API answers /health even while Temporal is down. */
  temporal: () => Promise<Client>;
}

/** The HTTP API: health, API keys, accounts and token refreshes; later capabilities add their routes here. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  await app.register(formbody);
  installErrorHandler(app);

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
  return app;
}
