import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { creatorError, ZohoHttpError } from './errors';
import { authenticate, hasScope } from './oauth';
import type { CreatorApp, ZohoState } from './model';
import { addRecords, deleteRecord, deleteRecords, getRecord, getRecords, updateRecord, updateRecords } from './creator-data';

/**
 * Zoho Creator REST API v2.1 (https://www.zoho.com/creator/help/api/v2.1/), mounted at
 * /zoho/api/creator/v2.1/data/{owner}/{app}/(form|report)/{name}[/{ID}]. Errors are {"code": <number>, "description"}.
 * Here: authentication, the per-endpoint and daily limits, and the routes; the record calls live in creator-data.
 */

const AUTH_FAILURE = 'Authorization Failure. The access token is either invalid or has expired. Please check your Zoho Account for more information.';
const BASE = '/api/creator/v2.1/data/:owner/:app';

type Params = { owner: string; app: string; name: string; id?: string };
type Handler = (a: CreatorApp, p: Params, req: FastifyRequest, reply: FastifyReply) => unknown;

export function registerCreatorRoutes(app: FastifyInstance, state: ZohoState): void {
  const guard = (fn: Handler) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const p = req.params as Params;
      try {
        const auth = authenticate(state, req.headers.authorization);
        if (!auth.ok || !hasScope(auth.token.scope, 'ZohoCreator.')) throw creatorError(401, 1030, AUTH_FAILURE);
        const cfg = state.config;
        const now = state.now();
        // Documented: 50 requests per minute per API endpoint. GUESS: an endpoint is one API (method + URL
        // pattern) of one report or form, whatever the record ID; code 2955 and HTTP 429 past it.
        const endpoint = `${req.method} ${req.routeOptions.url ?? ''} ${p.owner}/${p.app}/${p.name}`;
        if (cfg.creatorRequestsPerMinute !== null && !state.creatorMinute.tryHit(endpoint, now, 60_000, cfg.creatorRequestsPerMinute)) {
          state.counters.creatorRejected++;
          throw creatorError(429, 2955, 'You have reached the maximum number of API calls allowed per minute for this API. Please try again after some time.');
        }
        // Documented: code 4000 (with HTTP 200) once the owner's daily Developer API count is spent.
        if (cfg.creatorDailyLimit !== null && !state.creatorDay.tryHit(p.owner, now, 24 * 3600 * 1000, cfg.creatorDailyLimit)) {
          state.counters.creatorRejected++;
          throw creatorError(200, 4000, "Account's Developer API limit has been reached. Please upgrade to execute more REST API calls.");
        }
        const a = state.creatorApps.get(`${p.owner}/${p.app}`);
        if (!a) {
          const ownerKnown = [...state.creatorApps.values()].some((x) => x.owner === p.owner);
          // GUESS: 2892 for an unknown application (v1's "Specified application name is not valid").
          throw ownerKnown ? creatorError(404, 2892, `No application named "${p.app}" found.`) : creatorError(404, 1040, `No account owner named "${p.owner}" found.`);
        }
        const out = fn(a, p, req, reply);
        return out === reply ? reply : reply.code(200).send(out);
      } catch (e) {
        if (e instanceof ZohoHttpError) return reply.code(e.httpStatus).headers(e.headers).send(e.payload);
        throw e;
      }
    };
  const query = (req: FastifyRequest): URLSearchParams => new URLSearchParams(req.url.split('?', 2)[1] ?? '');

  app.post(`${BASE}/form/:name`, guard((a, p, req) => addRecords(state, a, p.name, req.body)));
  app.get(`${BASE}/report/:name`, guard((a, p, req, reply) => getRecords(state, a, p.name, req, reply)));
  app.patch(`${BASE}/report/:name`, guard((a, p, req) => updateRecords(state, a, p.name, req.body, query(req))));
  app.delete(`${BASE}/report/:name`, guard((a, p, req) => deleteRecords(a, p.name, req.body, query(req))));
  app.get(`${BASE}/report/:name/:id`, guard((a, p) => getRecord(a, p.name, p.id ?? '')));
  app.patch(`${BASE}/report/:name/:id`, guard((a, p, req) => updateRecord(state, a, p.name, p.id ?? '', req.body)));
  app.delete(`${BASE}/report/:name/:id`, guard((a, p) => deleteRecord(a, p.name, p.id ?? '')));
}
