import type { FastifyInstance } from 'fastify';
import { collectProcessMetrics, httpRequestObserved, metricsContentType, metricsText } from '../../metrics';

/**
 * `GET /metrics` (Prometheus text, no API key, like the health routes: counts and durations only) and a request
 * duration for every answered request, by route pattern (`/api/accounts/:id`), never by the URL itself, so
 * ids do not become label values.
 */
export function registerMetrics(app: FastifyInstance): void {
  collectProcessMetrics();
  app.addHook('onResponse', async (req, reply) => {
    httpRequestObserved(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(metricsContentType).send(await metricsText()));
}
