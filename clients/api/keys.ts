import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiKeyStore } from '../../store/api-keys';
import { requireKey } from './auth';

/** API keys: root-only create, refresh and delete of named keys (the seed's api key folder). */
export function registerKeyRoutes(app: FastifyInstance, keys: ApiKeyStore): void {
  const rootKey = { onRequest: requireKey(keys, { root: true }) };
  app.get('/api/keys', rootKey, async () => keys.list());
  app.post('/api/keys', rootKey, async (req, reply) => {
    const { name } = z.object({ name: z.string().min(1) }).parse(req.body);
    return reply.code(201).send(await keys.create(name));
  });
  app.post<{ Params: { name: string } }>('/api/keys/:name/refresh', rootKey, async (req) => keys.refresh(req.params.name));
  app.delete<{ Params: { name: string } }>('/api/keys/:name', rootKey, async (req, reply) => {
    await keys.delete(req.params.name);
    return reply.code(204).send();
  });
}
