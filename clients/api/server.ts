import Fastify, { type FastifyInstance } from 'fastify';
import type { Settings } from '../../config';
import { checkReachability } from '../health';

export interface ApiDeps {
  settings: Settings;
}

/** The HTTP API. Later capabilities (config API, webhooks, onboarding) register their routes here. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });

  app.get('/health', async (_req, reply) => {
    const checks = await checkReachability(deps.settings);
    const ok = checks.every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });

  return app;
}
