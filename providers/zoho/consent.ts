import { z } from 'zod';
import { ZOHO_DATA_CENTRES, ZOHO_DC_NAMES, type ZohoDataCentre } from '../../common/names';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { HttpClient } from '../http';
import { HTTP_TIMEOUT_MS, consentUrl, tokenEndpoint, type CodeFlowClient, type GrantedTokens } from '../oauth';
import { zohoAuth } from './api';

/** CRM records and users (the current user names the account), Creator reports and forms. */
export const ZOHO_CONNECT_SCOPES = ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ', 'ZohoCreator.report.ALL', 'ZohoCreator.form.CREATE'];

/**
 * Zoho's consent page. https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html
 * access_type=offline is what makes Zoho issue a refresh token; prompt=consent issues a new one on every consent.
 */
export function zohoConsentUrl(authUrl: string, p: { clientId: string; redirectUri: string; state: string }): string {
  return consentUrl(authUrl, {
    scope: ZOHO_CONNECT_SCOPES.join(','),
    client_id: p.clientId,
    response_type: 'code',
    access_type: 'offline',
    prompt: 'consent',
    redirect_uri: p.redirectUri,
    state: p.state,
  });
}

/**
 * The data centre of the `accounts-server` Zoho appends to the redirect (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html).
 * Only the known accounts servers are accepted: the code and the client secret go to this host next, and the
 * parameter arrives through the browser, where anyone can change it.
 */
export function zohoDataCentreOf(accountsServer: string | undefined): ZohoDataCentre | null {
  if (!accountsServer) return 'com';
  const server = accountsServer.replace(/\/$/, '').toLowerCase();
  return ZOHO_DC_NAMES.find((dc) => ZOHO_DATA_CENTRES[dc] === server) ?? null;
}

const tokenAnswer = z
  .object({ access_token: z.string().min(1).optional(), refresh_token: z.string().min(1).optional(), api_domain: z.string().url().optional(), expires_in: z.number().optional(), error: z.string().optional() })
  .loose();

/**
 * The authorization_code grant at the user's data centre. https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html
 * Zoho answers a refused code with HTTP 200 and {"error":"invalid_code"}: Invalid, the person starts again.
 */
export async function exchangeZohoCode(client: CodeFlowClient, code: string, accountsUrl: string): Promise<GrantedTokens> {
  const res = await tokenEndpoint('zoho').send({
    method: 'POST',
    url: `${accountsUrl}/oauth/v2/token`,
    what: 'authorization code exchange',
    form: { code, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: client.redirectUri, grant_type: 'authorization_code' },
  });
  const body = tokenAnswer.safeParse(res.data).data;
  if (res.status === 200 && body?.access_token) {
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? null,
      expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000),
      ...(body.api_domain ? { apiDomain: body.api_domain } : {}),
    };
  }
  const kind = res.status === 200 || res.status === 400 || res.status === 401 ? FailureType.Invalid : kindForStatus(res.status);
  throw new ProviderError(kind, 'zoho', `authorization code refused${body?.error ? ` (${body.error})` : ` (HTTP ${res.status})`}`, {
    status: res.status,
    ...(body?.error ? { code: body.error } : {}),
  });
}

const currentUser = z.object({ users: z.array(z.object({ id: z.string(), email: z.string() }).loose()).min(1) }).loose();

/** The connected CRM user. https://www.zoho.com/crm/developer/docs/api/v2/get-users.html (type=CurrentUser) */
export async function zohoIdentity(apiDomain: string, accessToken: string): Promise<{ email: string; userId: string }> {
  const http = new HttpClient({ provider: 'zoho', timeoutMs: HTTP_TIMEOUT_MS });
  const res = await http.send({ method: 'GET', url: `${apiDomain.replace(/\/$/, '')}/crm/v2/users`, what: 'read the connected user', query: { type: 'CurrentUser' }, headers: zohoAuth(accessToken) });
  const parsed = currentUser.safeParse(res.data);
  const user = parsed.data?.users[0];
  if (!user) throw new ProviderError(FailureType.Invalid, 'zoho', 'Zoho answered no current user');
  return { email: user.email.toLowerCase(), userId: user.id };
}
