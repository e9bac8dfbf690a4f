import type { FastifyInstance } from 'fastify';
import { issuesRefreshToken, registerConsentPage } from '../consent-page';
import { authorize } from './control';
import type { GoogleState } from './model';

/**
 * Google's consent page, https://accounts.google.com/o/oauth2/v2/auth, served at <sandbox>/google/o/oauth2/v2/auth.
 * https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
 * The "signed-in" user is any seeded user (login_hint preselects one). Allow redirects with code, state and scope.
 * The code's exchange issues a refresh token only for access_type=offline, and for a user who already granted
 * this client only with prompt=consent.
 */
export function registerGoogleConsentRoutes(app: FastifyInstance, state: GoogleState): void {
  registerConsentPage(app, {
    path: '/o/oauth2/v2/auth',
    words: {
      invalidRequest: 'Error 400: invalid_request',
      unknownClient: [401, 'Error 401: invalid_client', 'The OAuth client was not found.'],
      redirectMismatch: ['Error 400: redirect_uri_mismatch', "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy."],
      missingScope: ['Error 400: invalid_request', 'Missing required parameter: scope'],
    },
    clients: state.clients,
    heading: (r) => `${r.client_id} wants to access your Google Account`,
    field: 'user',
    choices: (r) => [...state.users.values()].slice(0, 1000).map((u) => ({ value: u.email, label: `${u.name} <${u.email}>`, selected: u.email.toLowerCase() === r.login_hint?.toLowerCase() })),
    allow: (r, chosen) => {
      const user = state.findUser(chosen);
      if (!user) return null;
      const live = [...state.tokens.refreshTokens.values()].some((t) => t.userId === user.id && t.clientId === r.client_id && state.tokens.refreshTokenUsable(t));
      const { code } = authorize(state, { user: user.id, clientId: r.client_id, redirectUri: r.redirect_uri, scope: r.scope });
      const rec = state.authCodes.get(code);
      if (rec) rec.refreshToken = issuesRefreshToken(r, live);
      return { code, scope: r.scope };
    },
  });
}
