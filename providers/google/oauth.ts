import { OAuth2Client } from 'google-auth-library';
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

/**
 * Google's token endpoint through google-auth-library.
 * https://developers.google.com/identity/protocols/oauth2/web-server#offline
 * invalid_grant (400) is a revoked or expired refresh token; invalid_client (401) a deleted OAuth client:
 * neither heals by retrying, so both need a person to reconnect the account.
 */
export const refreshGoogle: RefreshFn = async (creds, endpoints) => {
  const client = new OAuth2Client({
    clientId: creds.client.clientId,
    clientSecret: creds.client.clientSecret,
    endpoints: { oauth2TokenUrl: endpoints.googleTokenUrl },
    transporterOptions: { timeout: HTTP_TIMEOUT_MS, retry: false },
  });
  client.setCredentials({ refresh_token: creds.refreshToken });
  try {
    const { token } = await client.getAccessToken();
    const expiry = client.credentials.expiry_date;
    if (!token) throw new ProviderError(FailureType.Invalid, 'google', 'token endpoint answered without an access_token');
    return { accessToken: token, expiresAt: new Date(expiry ?? Date.now() + 3599_000) };
  } catch (err) {
    throw classifyGoogleTokenError(err);
  }
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

