import type { FastifyInstance } from 'fastify';
import { issuesRefreshToken, registerConsentPage } from '../consent-page';
import { authorizeZoho } from './control';
import type { ZohoState } from './model';

/**
 * Zoho's consent page, https://accounts.zoho.com/oauth/v2/auth, served at <sandbox>/zoho/accounts/oauth/v2/auth.
 * https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html
 * The "signed-in" user is any seeded account. Accept redirects with code, state, location (us, eu, in...) and
 * accounts-server (https://accounts.zoho.<dc>, where the code must be exchanged: multi-DC). The code is single-use
 * and lives authCodeTtlSeconds (2 minutes at Zoho); its exchange issues a refresh token only for
 * access_type=offline (Zoho's default is online), on a first consent or with prompt=consent.
 */
export function registerZohoConsentRoutes(app: FastifyInstance, state: ZohoState): void {
  registerConsentPage(app, {
    path: '/accounts/oauth/v2/auth',
    // GUESS at the wording of Zoho's error pages.
    words: {
      invalidRequest: 'Invalid Request',
      unknownClient: [400, 'Invalid Client', 'Client ID passed does not exist.'],
      redirectMismatch: ['Invalid Redirect Uri', 'Redirect URI passed does not match with the one configured.'],
      missingScope: ['Invalid OAuthScope', 'Scope is missing.'],
    },
    clients: state.clients,
    heading: (r) => `${r.client_id} would like to access your Zoho data`,
    field: 'account',
    choices: () => [...state.accounts.values()].slice(0, 1000).map((a, i) => ({ value: a.id, label: `${a.email} (${a.dc})`, selected: i === 0 })),
    allow: (r, chosen) => {
      const account = state.accounts.get(chosen);
      if (!account) return null;
      const live = [...state.tokens.refreshTokens.values()].some((t) => t.accountId === account.id && t.clientId === r.client_id && state.tokens.refreshTokenUsable(t));
      const granted = authorizeZoho(state, { account: account.id, clientId: r.client_id, redirectUri: r.redirect_uri, scope: r.scope });
      const rec = state.authCodes.get(granted.code);
      if (rec) rec.refreshToken = issuesRefreshToken(r, live);
      return { code: granted.code, location: granted.location, 'accounts-server': granted.accountsServer };
    },
  });
}
