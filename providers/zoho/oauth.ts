import { FailureType, ProviderError, kindForStatus } from '../errors';
import { briefBody } from '../http';
import { tokenEndpoint, type RefreshFn } from '../oauth';

interface ZohoTokenAnswer {
  access_token?: string;
  api_domain?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
  status?: string;
}

const http = tokenEndpoint('zoho');

/**
 * Zoho accounts token endpoint of the account's data centre.
 * https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
 * Zoho answers most errors with HTTP 200 and an `error` field: invalid_code is a revoked or unknown refresh
 * token, invalid_client a deleted client; throttling is a 400 "Access Denied". The parameters go in the form body,
 * never the URL query (which proxies and access logs keep).
 */
export const refreshZoho: RefreshFn = async (input, endpoints) => {
  const res = await http.send<ZohoTokenAnswer | string | null>({
    method: 'POST',
    url: `${endpoints.zohoAccountsUrl(input.zohoDataCentre ?? 'com')}/oauth/v2/token`,
    what: 'token refresh',
    form: { refresh_token: input.refreshToken, client_id: input.oauthClient.clientId, client_secret: input.oauthClient.clientSecret, grant_type: 'refresh_token' },
  });
  const body = typeof res.data === 'object' && res.data !== null ? res.data : {};
  if (res.status === 200 && body.access_token) {
    return {
      accessToken: body.access_token,
      expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000),
      ...(body.api_domain ? { apiDomain: body.api_domain } : {}),
    };
  }
  if (body.error === 'invalid_code') throw new ProviderError(FailureType.AuthRevoked, 'zoho', 'refresh token rejected (invalid_code)', { status: res.status, code: body.error });
  if (body.error === 'invalid_client') throw new ProviderError(FailureType.AuthRevoked, 'zoho', 'OAuth client rejected (invalid_client)', { status: res.status, code: body.error });
  if (body.error === 'Access Denied' || /too many requests/i.test(body.error_description ?? '')) {
    throw new ProviderError(FailureType.RateLimited, 'zoho', `token endpoint throttled: ${body.error_description ?? body.error ?? ''}`, {
      status: res.status,
      code: 'Access Denied',
      retryAfterMs: res.retryAfterMs ?? endpoints.zohoThrottleRetryMs,
    });
  }
  const kind = res.status === 200 ? FailureType.Invalid : kindForStatus(res.status);
  throw new ProviderError(kind === FailureType.AuthExpired ? FailureType.AuthRevoked : kind, 'zoho', `token endpoint answered ${res.status}${body.error ? `: ${body.error}` : briefBody(res.data)}`, {
    status: res.status,
    ...(body.error ? { code: body.error } : {}),
    ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
  });
};
