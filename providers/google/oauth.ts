import { FailureType, ProviderError, kindForStatus } from '../errors';
import type { ProviderResponse } from '../http';
import { tokenEndpoint, type RefreshFn } from '../oauth';

interface GoogleTokenAnswer {
  access_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

const http = tokenEndpoint('google');

/**
 * Google's OAuth2 token endpoint, refresh_token grant.
 * https://developers.google.com/identity/protocols/oauth2/web-server#offline
 * A plain form POST rather than google-auth-library's OAuth2Client: the library retries 429s and 5xx inside the
 * call with its own backoff, which would hide rate limits from Temporal and keep the activity sleeping; here a
 * 429 becomes a RateLimited failure whose retry waits for Retry-After on the server side.
 */
export const refreshGoogle: RefreshFn = async (input, endpoints) => {
  const res = await http.send<GoogleTokenAnswer | string | null>({
    method: 'POST',
    url: endpoints.googleTokenUrl,
    what: 'token refresh',
    form: { client_id: input.oauthClient.clientId, client_secret: input.oauthClient.clientSecret, refresh_token: input.refreshToken, grant_type: 'refresh_token' },
  });
  const body = typeof res.data === 'object' && res.data !== null ? res.data : {};
  if (res.status === 200 && body.access_token) {
    return { accessToken: body.access_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 3599) * 1000) };
  }
  throw classifyGoogleTokenAnswer(res);
};

/**
 * invalid_grant (400) is a revoked or expired refresh token; invalid_client (401) a deleted OAuth client: neither
 * heals by retrying, so both need a person to reconnect the account.
 */
export function classifyGoogleTokenAnswer(res: Pick<ProviderResponse, 'status' | 'data' | 'retryAfterMs'>): ProviderError {
  const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as GoogleTokenAnswer;
  const code = body.error;
  const description = body.error_description ?? (typeof res.data === 'string' ? res.data.slice(0, 200) : `HTTP ${res.status}`);
  if (code === 'invalid_grant') return new ProviderError(FailureType.AuthRevoked, 'google', `refresh token rejected (invalid_grant): ${description}`, { status: res.status, code });
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new ProviderError(FailureType.AuthRevoked, 'google', `OAuth client rejected (${code}): ${description}`, { status: res.status, code });
  }
  const kind = res.status === 401 ? FailureType.AuthRevoked : kindForStatus(res.status);
  return new ProviderError(kind, 'google', `token endpoint answered ${res.status}${code ? ` ${code}` : ''}: ${description}`, {
    status: res.status,
    ...(code ? { code } : {}),
    ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
  });
}
