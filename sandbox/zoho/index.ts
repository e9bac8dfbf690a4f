import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { authorizeZoho, configureZoho, revokeZoho, seedZoho, zohoStateView } from './control';
import { registerCreatorRoutes } from './creator';
import { registerCrmRoutes } from './crm';
import { deleteCrmRecords, editCrmRecord } from './crm-ui';
import { registerDeskRoutes } from './desk';
import { ZohoState } from './model';
import { registerZohoConsentRoutes } from './consent';
import { registerZohoOAuthRoutes } from './oauth';

/**
 * The Zoho fake, mounted under /zoho: accounts (/zoho/accounts/oauth/v2/token) and the API domain /zoho/api
 * (CRM /crm/v2/..., Creator /creator/v2.1/data/..., Desk /desk/api/v1/tickets). The token endpoint answers
 * api_domain = <base>/zoho/api, so a client needs only the accounts URL.
 */
export const createZohoFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  const state = new ZohoState(ctx.clock);
  return {
    name: 'zoho',
    routes(app: FastifyInstance) {
      // Bad JSON and unexpected failures answer in the CRM's shape (INVALID_DATA / INTERNAL_ERROR).
      app.setErrorHandler((err: { statusCode?: number; message: string }, _req: FastifyRequest, reply: FastifyReply) => {
        const status = typeof err.statusCode === 'number' && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) return reply.code(500).send({ code: 'INTERNAL_ERROR', details: {}, message: 'Internal Server Error', status: 'error' });
        // GUESS at the message for a body that is not JSON.
        return reply.code(status).send({ code: 'INVALID_DATA', details: {}, message: 'the request body is not in a valid JSON format', status: 'error' });
      });
      app.setNotFoundHandler((_req, reply) =>
        reply.code(404).send({ code: 'INVALID_URL_PATTERN', details: {}, message: 'Please check if the URL trying to access is a correct one', status: 'error' }),
      );
      registerZohoOAuthRoutes(app, state, ctx);
      registerZohoConsentRoutes(app, state);
      registerCrmRoutes(app, state);
      registerCreatorRoutes(app, state);
      registerDeskRoutes(app, state);
    },
    reset: () => state.reset(),
    seed: (body) => seedZoho(state, body),
    configure: (body) => configureZoho(state, body),
    state: (query) => zohoStateView(state, query),
    controlRoutes(app: FastifyInstance) {
      app.post('/revoke', async (req) => revokeZoho(state, req.body ?? {}));
      app.post('/authorize', async (req) => authorizeZoho(state, req.body ?? {}));
      // Changes made in the CRM UI: no API credit, no workflow rules.
      app.post('/crm/edit', async (req) => editCrmRecord(state, req.body ?? {}));
      app.post('/crm/delete', async (req) => deleteCrmRecords(state, req.body ?? {}));
    },
  };
};
