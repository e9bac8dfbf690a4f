import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { crmAuthFailure, crmError, crmInvalidToken, crmScopeMismatch, ZohoHttpError } from './errors';
import { authenticate, hasScope } from './oauth';
import type { ZohoState } from './model';
import { moduleSpec, VERSIONS, type CrmAnswer, type CrmBase, type CrmCall } from './crm-records';
import { getRecord, listDeleted, listRecords } from './crm-read';
import { deleteRecords, write } from './crm-write';
import { listUsers } from './crm-users';

export { moduleSpec, renderRecord, MODULES, type ModuleSpec } from './crm-records';

/**
 * Zoho CRM REST API (https://www.zoho.com/crm/developer/docs/api/v8/), mounted at /zoho/api/crm/{v2,v2.1,v3..v8}.
 * Records live per org (the org of the account whose token is presented). Here: authentication, the org's
 * concurrency and credit limits, and the routes; reads, writes and users live in crm-read/-write/-users.
 */

type CostOf = (c: { query: URLSearchParams; body: unknown }) => number;

const dataLength = (body: unknown): number => {
  const d = z.object({ data: z.array(z.unknown()) }).loose().safeParse(body);
  return d.success ? d.data.data.length : 1;
};
/** GUESS at credit costs: reads 1; writes and deletes 1 per 10 records. */
const readCost: CostOf = () => 1;
const writeCost: CostOf = ({ body }) => Math.max(1, Math.ceil(dataLength(body) / 10));
const deleteCost: CostOf = ({ query }) => Math.max(1, Math.ceil((query.get('ids') ?? '').split(',').filter(Boolean).length / 10));

type Params = { version: string; module?: string; id?: string };

export function registerCrmRoutes(app: FastifyInstance, state: ZohoState): void {
  const base = (fn: (c: CrmBase, params: Params) => CrmAnswer, costOf: CostOf) => async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const params = req.params as Params;
    try {
      state.counters.crmRequests++;
      if (!VERSIONS.has(params.version)) throw crmError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');
      const auth = authenticate(state, req.headers.authorization);
      if (!auth.ok) throw auth.reason === 'missing' ? crmAuthFailure() : crmInvalidToken();
      if (!hasScope(auth.token.scope, 'ZohoCRM.')) throw crmScopeMismatch();
      if (params.module !== undefined && !moduleSpec(params.module)) {
        throw crmError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: 0 });
      }
      const org = state.org(auth.account.org);
      const query = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
      const cfg = state.config;
      if (cfg.crmConcurrency !== null && org.inflight >= cfg.crmConcurrency) {
        state.counters.crmConcurrencyRejected++;
        // GUESS at the message; the code is documented.
        throw crmError(429, 'TOO_MANY_REQUESTS', 'The concurrency limit has been exceeded. Please try again after some time.', { limit: cfg.crmConcurrency });
      }
      org.inflight++;
      try {
        if (cfg.crmCreditsPer24h !== null && !org.credits.trySpend(state.now(), costOf({ query, body: req.body }), cfg.crmCreditsPer24h)) {
          state.counters.crmCreditsRejected++;
          throw crmError(429, 'TOO_MANY_REQUESTS', 'You have reached the API credit limit of your org for the last 24 hours.', { limit: cfg.crmCreditsPer24h });
        }
        if (cfg.crmLatencyMs > 0) await new Promise((r) => setTimeout(r, cfg.crmLatencyMs));
        const call: CrmBase = { state, org, account: auth.account, version: params.version, query, body: req.body, headers: req.headers, ...(params.id ? { id: params.id } : {}) };
        const ans = fn(call, params);
        reply.code(ans.status);
        return ans.body === undefined ? reply.send() : reply.send(ans.body);
      } finally {
        org.inflight--;
      }
    } catch (e) {
      if (e instanceof ZohoHttpError) return reply.code(e.httpStatus).headers(e.headers).send(e.payload);
      throw e;
    }
  };
  /** A module route: the module was checked by `base`. */
  const route = (fn: (c: CrmCall) => CrmAnswer, costOf: CostOf) =>
    base((c, p) => {
      const spec = moduleSpec(p.module ?? '');
      if (!spec) throw crmError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: 0 });
      return fn({ ...c, spec });
    }, costOf);

  app.get('/api/crm/:version/users', base(listUsers, readCost));
  app.get('/api/crm/:version/:module', route(listRecords, readCost));
  app.get('/api/crm/:version/:module/deleted', route(listDeleted, readCost));
  app.get('/api/crm/:version/:module/:id', route(getRecord, readCost));
  app.post('/api/crm/:version/:module', route((c) => write(c, 'insert'), writeCost));
  app.put('/api/crm/:version/:module', route((c) => write(c, 'update'), writeCost));
  app.put('/api/crm/:version/:module/:id', route((c) => write(c, 'update'), writeCost));
  app.post('/api/crm/:version/:module/upsert', route((c) => write(c, 'upsert'), writeCost));
  app.delete('/api/crm/:version/:module', route(deleteRecords, deleteCost));
  app.delete('/api/crm/:version/:module/:id', route(deleteRecords, () => 1));
}
