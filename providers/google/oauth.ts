import axios from 'axios';
import { FailureType, ProviderError, kindForStatus, parseRetryAfter } from '../errors';
import { HTTP_TIMEOUT_MS, type RefreshFn } from '../oauth';

interface GaxiosLikeError {
  message: string;
  code?: string;
  status?: number;
  response?: { status: number; data?: unknown; headers?: Record<string, string> | Headers };
}

function header(headers: Record<string, string> | Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

interface GoogleTokenAnswer {
  access_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/**
 * Google's OAuth2 token endpoint, refresh_token grant.
 * https://developers.google.com/identity/protocols/oauth2/web-server#offline
 * A plain form POST rather than google-auth-library's OAuth2Client: the library retries 429s and 5xx inside the
 * call with its own backoff, which would hide rate limits from Temporal and keep the activity sleeping; here a
 * 429 becomes a RateLimited failure whose retry waits for Retry-After on the server side.
 * invalid_grant (400) is a revoked or expired refresh token; invalid_client (401) a deleted OAuth client: neither
 * heals by retrying, so both need a person to reconnect the account.
 */
export const refreshGoogle: RefreshFn = async (creds, endpoints) => {
  let res;
  try {
    res = await axios.post<GoogleTokenAnswer>(
      endpoints.googleTokenUrl,
      new URLSearchParams({ client_id: creds.client.clientId, client_secret: creds.client.clientSecret, refresh_token: creds.refreshToken, grant_type: 'refresh_token' }),
      { timeout: HTTP_TIMEOUT_MS, validateStatus: () => true },
    );
  } catch (err) {
    throw classifyGoogleTokenError(err);
  }
  if (res.status === 200 && res.data.access_token) {
    return { accessToken: res.data.access_token, expiresAt: new Date(Date.now() + (res.data.expires_in ?? 3599) * 1000) };
  }
  throw classifyGoogleTokenError({ message: `HTTP ${res.status}`, response: { status: res.status, data: res.data, headers: res.headers as Record<string, string> } });
};

export function classifyGoogleTokenError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as GaxiosLikeError;
  const status = e.response?.status ?? e.status;
  if (!status) {
    return new ProviderError(FailureType.Transient, 'google', `token endpoint unreachable: ${e.message}`, { ...(e.code ? { code: e.code } : {}), cause: err });
  }
  const data = (e.response?.data ?? {}) as { error?: string; error_description?: string };
  const code = data.error;
  const description = data.error_description ?? e.message;
  if (code === 'invalid_grant') return new ProviderError(FailureType.AuthRevoked, 'google', `refresh token rejected (invalid_grant): ${description}`, { status, code });
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new ProviderError(FailureType.AuthRevoked, 'google', `OAuth client rejected (${code}): ${description}`, { status, code });
  }
  const retryAfterMs = parseRetryAfter(header(e.response?.headers, 'retry-after'));
  const kind = status === 401 ? FailureType.AuthRevoked : kindForStatus(status);
  return new ProviderError(kind, 'google', `token endpoint answered ${status}${code ? ` ${code}` : ''}: ${description}`, {
    status,
    ...(code ? { code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

