import type { FastifyInstance } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { registerAccountRoutes } from './account-info';
import { patchKommoConfig } from './config';
import { registerContactRoutes } from './contacts';
import { registerConsentRoutes } from './consent';
import { kommoStateView, seedKommo } from './control';
import { httpProblem } from './errors';
import { registerEventRoutes } from './events';
import { registerKommoOAuthRoutes } from './oauth';
import { KommoState } from './state';
import { registerUiControlRoutes } from './ui';
import { registerWebhookApiRoutes } from './webhooks-api';

/**
 * Kommo (amoCRM) API v4 fake, mounted at /kommo/<subdomain>: the base URL https://<subdomain>.kommo.com of the
 * real API becomes <sandbox>/kommo/<subdomain>. See sandbox/README.md for the control API.
 */
export const createKommoFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  const state = new KommoState(ctx);
  return {
    name: 'kommo',
    routes(app: FastifyInstance) {
      // Kommo answers malformed bodies with problem+json too, not with Fastify's default error shape.
      app.setErrorHandler((err, _req, reply) => {
        const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
        return httpProblem(reply, status, status === 400 ? 'Bad Request' : 'Internal Server Error', err instanceof Error ? err.message : String(err));
      });
      registerConsentRoutes(app, state);
      registerKommoOAuthRoutes(app, state);
      registerAccountRoutes(app, state);
      registerContactRoutes(app, state);
      registerWebhookApiRoutes(app, state);
      registerEventRoutes(app, state);
    },
    reset: () => state.reset(),
    seed: (body) => seedKommo(state, body),
    configure(body) {
      state.config = patchKommoConfig(state.config, body);
      return state.config;
    },
    state: (query) => kommoStateView(state, query),
    controlRoutes: (app: FastifyInstance) => registerUiControlRoutes(app, state),
  };
};
