import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { authorize, configureGoogle, googleState, revokeControl, seedGoogle } from './control';
import { GoogleApiError } from './errors';
import { GoogleState } from './model';
import { registerGoogleConsentRoutes } from './consent';
import { registerOAuthRoutes } from './oauth';
import { registerPeopleRoutes } from './people';
import { deleteContacts, editContact, touchContacts } from './ui';

/**
 * The Google fake, mounted under /google: the OAuth token endpoint (/google/token, /google/revoke,
 * /google/tokeninfo), its consent page (/google/o/oauth2/v2/auth) and the People API (/google/v1/...). Point google-auth-library at
 * `endpoints: { oauth2TokenUrl: base + '/google/token' }` and googleapis at `rootUrl: base + '/google/'`
 * (per call, the path is kept; per API, googleapis keeps only the origin and the root alias /v1/people
 * catches it).
 */
export const createGoogleFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  const state = new GoogleState(ctx.clock);
  return {
    name: 'google',
    // googleapis keeps only the origin of a per-API rootUrl (new URL('/v1/...', rootUrl)), so
    // google.people({ rootUrl: base + '/google/' }) calls base + '/v1/people...': answer there too.
    rootAliases: ['/v1/people'],
    routes(app: FastifyInstance) {
      // Bad JSON and unexpected failures answer in Google's envelope, not fastify's.
      app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req: FastifyRequest, reply: FastifyReply) => {
        const status = typeof err.statusCode === 'number' && err.statusCode < 500 ? err.statusCode : 500;
        const e =
          status === 400
            ? new GoogleApiError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${err.message}`)
            : new GoogleApiError(status, status === 500 ? 'INTERNAL' : 'UNKNOWN', status === 500 ? 'Internal error encountered.' : err.message);
        return reply.code(status).send(e.body());
      });
      app.setNotFoundHandler((_req, reply) => {
        const e = new GoogleApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
        return reply.code(404).send(e.body());
      });
      registerOAuthRoutes(app, state);
      registerGoogleConsentRoutes(app, state);
      registerPeopleRoutes(app, state);
    },
    reset: () => state.reset(),
    seed: (body) => seedGoogle(state, body),
    configure: (body) => configureGoogle(state, body),
    state: (query) => googleState(state, query),
    controlRoutes(app: FastifyInstance) {
      app.post('/revoke', async (req) => revokeControl(state, req.body ?? {}));
      app.post('/authorize', async (req) => authorize(state, req.body ?? {}));
      // Changes made in the Google UI or by Google itself: no API quota, no etag needed.
      app.patch('/contacts', async (req) => editContact(state, req.body ?? {}));
      app.post('/contacts/delete', async (req) => deleteContacts(state, req.body ?? {}));
      app.post('/contacts/touch', async (req) => touchContacts(state, req.body ?? {}));
    },
  };
};
