import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Stores } from '../../store';
import { ConfigNotFound } from '../../store/configs';
import { ConfigInvalid } from '../../extraction';
import { stringifyJson } from '../../extraction/json';
import type { ExtractionService } from '../extraction';
import { requireKey } from './auth';
import { HttpError } from './errors';

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
const security = [{ apiKey: [] }];
const configBody = {
  type: 'object',
  description: "An extraction config in the seed's format (name, auth, extractions[]), plus an optional `cron` (5 fields, UTC).",
  additionalProperties: true,
} as const;

/** Turns the extractor's own errors into the API's 400/404 answers. */
async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConfigInvalid) throw new HttpError(400, err.message, err.issues);
    if (err instanceof ConfigNotFound) throw new HttpError(404, err.message);
    throw err;
  }
}

/**
 * The extractor's API (the seed's Postman collection): configs with their change history, runs, run logs and
 * secrets. Every change is recorded with the name of the API key that made it; secrets are root-only and never
 * answered back.
 */
export function registerExtractionRoutes(app: FastifyInstance, deps: { stores: Pick<Stores, 'apiKeys' | 'configHistory' | 'runLogs' | 'secrets'>; service: ExtractionService }): void {
  const { apiKeys, configHistory, runLogs, secrets } = deps.stores;
  const anyKey = requireKey(apiKeys);
  const rootKey = requireKey(apiKeys, { root: true });
  const callerName = (req: { caller?: { name: string } }): string => req.caller?.name ?? 'unknown';

  app.get(
    '/api/configs',
    {
      onRequest: anyKey,
      schema: {
        tags: ['configs'],
        summary: 'List api configs, a page at a time, without their bodies; the next page is in the Link header (rel="next")',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, after: { type: 'string' } } },
        security,
      },
    },
    async (req, reply) => {
      const q = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().min(1).optional() }).parse(req.query);
      const page = await deps.service.list({ limit: q.limit, ...(q.after ? { after: q.after } : {}) });
      if (page.next) reply.header('link', `</api/configs?limit=${q.limit}&after=${encodeURIComponent(page.next)}>; rel="next"`);
      return page.configs;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/configs/:id',
    { onRequest: anyKey, schema: { tags: ['configs'], summary: 'Retrieve api config', params: idParams, security } },
    async (req) => answer(() => deps.service.get(req.params.id)),
  );

  app.post(
    '/api/configs',
    { onRequest: anyKey, schema: { tags: ['configs'], summary: 'Create api config: answers the stored config with its id and every extraction id', body: configBody, security } },
    async (req, reply) => reply.code(201).send(await answer(() => deps.service.create(req.body, callerName(req)))),
  );

  app.put<{ Params: { id: string } }>(
    '/api/configs/:id',
    { onRequest: anyKey, schema: { tags: ['configs'], summary: 'Update api config (extraction ids are kept by id or name)', params: idParams, body: configBody, security } },
    async (req) => answer(() => deps.service.update(req.params.id, req.body, callerName(req))),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/configs/:id',
    { onRequest: anyKey, schema: { tags: ['configs'], summary: 'Delete api config and its schedule', params: idParams, security } },
    async (req, reply) => {
      await answer(() => deps.service.delete(req.params.id, callerName(req)));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/api/configs/:id/history',
    { onRequest: anyKey, schema: { tags: ['configs'], summary: 'Change history of a config: who (API key name), when, what changed, full snapshot', params: idParams, security } },
    async (req) => {
      const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).parse(req.query);
      const history = await configHistory.of(req.params.id, limit);
      if (history.length === 0) throw new HttpError(404, `no config with id ${req.params.id}`);
      return history.map((h) => ({ ...h, at: h.at.toISOString(), snapshot: JSON.parse(h.snapshot) as unknown }));
    },
  );

  app.post<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/api/configs/:id/run',
    {
      onRequest: anyKey,
      schema: {
        tags: ['runs'],
        summary: 'Run a config now: answers the workflow id; ?wait=true answers when it ends; ?extraction=<id> runs one extraction',
        params: idParams,
        querystring: { type: 'object', properties: { wait: { type: 'string', enum: ['true', 'false'] }, extraction: { type: 'string' } } },
        security,
      },
    },
    async (req, reply) => {
      const q = z.object({ wait: z.enum(['true', 'false']).optional(), extraction: z.string().min(1).optional() }).parse(req.query);
      const handle = await answer(() => deps.service.startRun(req.params.id, { trigger: 'api', ...(q.extraction ? { extractionIds: [q.extraction] } : {}) }));
      if (q.wait !== 'true') return reply.code(202).send({ workflowId: handle.workflowId });
      return reply.code(200).send({ workflowId: handle.workflowId, result: await handle.result() });
    },
  );

  app.get<{ Params: { extractionId: string }; Querystring: { limit?: string } }>(
    '/api/extractions/:extractionId/logs',
    {
      onRequest: anyKey,
      schema: { tags: ['runs'], summary: 'Run logs of an extraction, newest first', params: { type: 'object', properties: { extractionId: { type: 'string' } }, required: ['extractionId'] }, security },
    },
    async (req, reply) => {
      const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).parse(req.query);
      // A last record's integers past 2^53 are written as their digits (JSON.stringify refuses a bigint).
      return reply.type('application/json; charset=utf-8').send(stringifyJson(await runLogs.of(req.params.extractionId, limit)));
    },
  );

  const nameParams = { type: 'object', properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' } }, required: ['name'] } as const;
  app.get('/api/secrets', { onRequest: rootKey, schema: { tags: ['secrets'], summary: 'Names of the stored secrets (values are never answered)', security } }, async () => secrets.names());
  app.put<{ Params: { name: string } }>(
    '/api/secrets/:name',
    {
      onRequest: rootKey,
      schema: { tags: ['secrets'], summary: 'Set a secret (root key only), encrypted at rest; read by ${secret::name} references', params: nameParams, body: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] }, security },
    },
    async (req, reply) => {
      const { value } = z.object({ value: z.string().min(1) }).parse(req.body);
      await secrets.set(req.params.name, value, callerName(req));
      return reply.code(204).send();
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/api/secrets/:name',
    { onRequest: rootKey, schema: { tags: ['secrets'], summary: 'Delete a secret (root key only)', params: nameParams, security } },
    async (req, reply) => {
      if (!(await secrets.delete(req.params.name))) throw new HttpError(404, `no secret named ${req.params.name}`);
      return reply.code(204).send();
    },
  );
}
