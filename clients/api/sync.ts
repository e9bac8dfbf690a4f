import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PairingNotFound } from '../../store/pairings';
import type { ApiKeyStore } from '../../store/api-keys';
import { PairingInvalid, type SyncService } from '../sync';
import { requireKey } from './auth';
import { HttpError } from './errors';

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
const security = [{ apiKey: [] }];

/** Turns the sync service's own errors into the API's 400/404 answers. */
async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PairingInvalid) throw new HttpError(400, err.message, err.issues);
    if (err instanceof PairingNotFound) throw new HttpError(404, err.message);
    throw err;
  }
}

/**
 * Contact-sync pairings (a Google account with a Zoho CRM or Creator target): create, change, list, read the
 * workflow's status and conflicts, and steer it (resync, full resync, pause, resume). Changes are recorded with the
 * name of the API key that made them.
 */
export function registerSyncRoutes(app: FastifyInstance, deps: { keys: ApiKeyStore; service: SyncService }): void {
  const onRequest = requireKey(deps.keys);
  const by = (req: { caller?: { name: string } }): string => req.caller?.name ?? 'unknown';
  const s = deps.service;

  app.post('/api/pairings', { onRequest, schema: { tags: ['sync'], summary: 'Pair a Google account with a Zoho target and start its contact sync', security } }, async (req, reply) => {
    const { pairing, workflowId } = await answer(() => s.create(req.body, by(req)));
    return reply.code(201).send({ ...pairing, workflowId });
  });
  app.get('/api/pairings', { onRequest, schema: { tags: ['sync'], summary: 'List pairings, a page at a time (limit, after)', security } }, async (req, reply) => {
    const q = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().min(1).optional() }).parse(req.query);
    const page = await s.list({ limit: q.limit, ...(q.after ? { after: q.after } : {}) });
    if (page.length === q.limit) reply.header('link', `</api/pairings?limit=${q.limit}&after=${encodeURIComponent(page[page.length - 1]!._id)}>; rel="next"`);
    return page;
  });
  app.get<{ Params: { id: string } }>('/api/pairings/:id', { onRequest, schema: { tags: ['sync'], summary: 'A pairing, its workflow status and link counts', params: idParams, security } }, async (req) => answer(() => s.status(req.params.id)));
  app.put<{ Params: { id: string } }>('/api/pairings/:id', { onRequest, schema: { tags: ['sync'], summary: 'Change a pairing\'s mapping, policy or interval', params: idParams, security } }, async (req) =>
    answer(() => s.update(req.params.id, req.body, by(req))),
  );
  app.delete<{ Params: { id: string } }>('/api/pairings/:id', { onRequest, schema: { tags: ['sync'], summary: 'Stop a pairing\'s sync and delete it and its links (contacts stay on both sides)', params: idParams, security } }, async (req, reply) => {
    await answer(() => s.delete(req.params.id));
    return reply.code(204).send();
  });
  app.get<{ Params: { id: string } }>('/api/pairings/:id/conflicts', { onRequest, schema: { tags: ['sync'], summary: 'Recent conflicts with both versions, newest first', params: idParams, security } }, async (req) => {
    const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).parse(req.query);
    return answer(() => s.conflicts(req.params.id, limit));
  });
  const steer = (path: string, what: 'resync' | 'fullResync' | 'pause' | 'resume', summary: string, body: z.ZodType<{ reason?: string | undefined; allowMassDelete?: boolean | undefined }>): void => {
    app.post<{ Params: { id: string } }>(`/api/pairings/:id/${path}`, { onRequest, schema: { tags: ['sync'], summary, params: idParams, security } }, async (req, reply) => {
      const arg = body.parse(req.body ?? {});
      const workflowId = await answer(() => s.signal(req.params.id, what, arg));
      return reply.code(202).send({ workflowId, signal: what });
    });
  };
  const none = z.strictObject({});
  steer('resync', 'resync', 'Run a cycle now (requests during a cycle are coalesced into one more)', none);
  steer('full-resync', 'fullResync', 'Run a cycle that lists both sides in full', none);
  steer('pause', 'pause', 'Pause the sync after the current step', z.strictObject({ reason: z.string().min(1).max(500).optional() }));
  steer('resume', 'resume', 'Resume; allowMassDelete applies the deletions a halted cycle refused', z.strictObject({ allowMassDelete: z.boolean().optional() }));
}
