import axios from 'axios';
import { FailureType, ProviderError, isNetworkError, kindForStatus, parseRetryAfter } from '../errors';
import { HTTP_TIMEOUT_MS, type RefreshFn } from '../oauth';

interface ZohoTokenAnswer {
  access_token?: string;
  api_domain?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
  status?: string;
}

/**
 * Zoho accounts token endpoint of the account's data centre.
 * https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
 * Zoho answers most errors with HTTP 200 and an `error` field: invalid_code is a revoked or unknown refresh
 * token, invalid_client a deleted client; throttling is a 400 "Access Denied".
 */
export const refreshZoho: RefreshFn = async (creds, endpoints) => {
  const dc = creds.account.zoho?.dataCentre ?? 'com';
  const url = `${endpoints.zohoAccountsUrl(dc)}/oauth/v2/token`;
  let res;
  try {
    res = await axios.post<ZohoTokenAnswer>(url, null, {
      params: { refresh_token: creds.refreshToken, client_id: creds.client.clientId, client_secret: creds.client.clientSecret, grant_type: 'refresh_token' },
      timeout: HTTP_TIMEOUT_MS,
      validateStatus: () => true,
    });
  } catch (err) {
    throw new ProviderError(FailureType.Transient, 'zoho', `token endpoint unreachable: ${(err as Error).message}`, {
      ...(isNetworkError(err) ? { code: (err as { code: string }).code } : {}),
      cause: err,
    });
  }
  const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as ZohoTokenAnswer;
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
      retryAfterMs: parseRetryAfter(res.headers['retry-after'] as string | undefined) ?? endpoints.zohoThrottleRetryMs,
    });
  }
  const kind = res.status === 200 ? FailureType.Invalid : kindForStatus(res.status);
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'] as string | undefined);
  throw new ProviderError(kind === FailureType.AuthExpired ? FailureType.AuthRevoked : kind, 'zoho', `token endpoint answered ${res.status}: ${body.error ?? JSON.stringify(res.data).slice(0, 200)}`, {
    status: res.status,
    ...(body.error ? { code: body.error } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
};
