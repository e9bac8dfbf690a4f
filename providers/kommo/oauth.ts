import axios from 'axios';
import { FailureType, ProviderError, isNetworkError, kindForStatus, parseRetryAfter } from '../errors';
import { HTTP_TIMEOUT_MS, type RefreshFn } from '../oauth';

interface KommoTokenAnswer {
  token_type?: string;
  expires_in?: number;
  access_token?: string;
  refresh_token?: string;
  hint?: string;
  title?: string;
  detail?: string;
  status?: number;
}

/** Kommo blocks after repeated 429s (403); waiting a minute is what its docs ask before trying again. */
const KOMMO_BLOCK_DELAY_MS = 60_000;

/**
 * Kommo OAuth: https://developers.kommo.com/docs/oauth-20
 * The refresh token is single-use: every successful answer carries a new one and the old one is dead, so the
 * caller must store the new pair before doing anything else.
 */
export const refreshKommo: RefreshFn = async (creds, endpoints) => {
  const subdomain = creds.account.kommo?.subdomain;
  if (!subdomain) throw new ProviderError(FailureType.Invalid, 'kommo', `account ${creds.account._id} has no Kommo subdomain`);
  let res;
  try {
    res = await axios.post<KommoTokenAnswer>(
      `${endpoints.kommoBaseUrl(subdomain)}/oauth2/access_token`,
      {
        client_id: creds.client.clientId,
        client_secret: creds.client.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: creds.refreshToken,
        redirect_uri: creds.client.redirectUri ?? undefined,
      },
      { timeout: HTTP_TIMEOUT_MS, validateStatus: () => true },
    );
  } catch (err) {
    // No answer: the provider may or may not have rotated. The caller treats this as "rotation unknown".
    throw new ProviderError(FailureType.Transient, 'kommo', `token endpoint gave no answer: ${(err as Error).message}`, {
      ...(isNetworkError(err) ? { code: (err as { code: string }).code } : {}),
      cause: err,
    });
  }
  const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as KommoTokenAnswer;
  if (res.status === 200 && body.access_token && body.refresh_token) {
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 86400) * 1000) };
  }
  const detail = body.hint ?? body.detail ?? body.title ?? (typeof res.data === 'string' ? (res.data as string).slice(0, 200) : '');
  if (res.status === 400 && /revoked|invalid|expired/i.test(`${body.hint ?? ''} ${body.detail ?? ''}`)) {
    throw new ProviderError(FailureType.AuthRevoked, 'kommo', `refresh token rejected: ${detail}`, { status: 400, code: 'revoked' });
  }
  if (res.status === 401) throw new ProviderError(FailureType.AuthRevoked, 'kommo', `OAuth client rejected: ${detail}`, { status: 401 });
  if (res.status === 403 || res.status === 429) {
    throw new ProviderError(FailureType.RateLimited, 'kommo', `token endpoint limited (${res.status}): ${detail}`, {
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers['retry-after'] as string | undefined) ?? (res.status === 403 ? KOMMO_BLOCK_DELAY_MS : 1000),
    });
  }
  throw new ProviderError(kindForStatus(res.status), 'kommo', `token endpoint answered ${res.status}: ${detail}`, { status: res.status });
};

/** The install flow's exchange of an authorization code for the first token pair. */
export async function exchangeKommoCode(
  client: { clientId: string; clientSecret: string; redirectUri: string | null },
  subdomain: string,
  code: string,
  endpoints: { kommoBaseUrl(subdomain: string): string },
): Promise<{ accessToken: string; refreshToken: string; expiresAt: Date }> {
  let res;
  try {
    res = await axios.post<KommoTokenAnswer>(
      `${endpoints.kommoBaseUrl(subdomain)}/oauth2/access_token`,
      { client_id: client.clientId, client_secret: client.clientSecret, grant_type: 'authorization_code', code, redirect_uri: client.redirectUri ?? undefined },
      { timeout: HTTP_TIMEOUT_MS, validateStatus: () => true },
    );
  } catch (err) {
    throw new ProviderError(FailureType.Transient, 'kommo', `token endpoint gave no answer: ${(err as Error).message}`, { cause: err });
  }
  const body = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as KommoTokenAnswer;
  if (res.status === 200 && body.access_token && body.refresh_token) {
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 86400) * 1000) };
  }
  const detail = body.hint ?? body.detail ?? body.title ?? `HTTP ${res.status}`;
  throw new ProviderError(res.status >= 500 ? FailureType.Transient : FailureType.Invalid, 'kommo', `authorization code rejected: ${detail}`, { status: res.status });
}
