import { FailureType, ProviderError, kindForStatus } from '../errors';
import type { ProviderResponse } from '../http';
import { tokenEndpoint, type RefreshFn } from '../oauth';

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

const http = tokenEndpoint('kommo');

const bodyOf = (res: ProviderResponse): KommoTokenAnswer => (typeof res.data === 'object' && res.data !== null ? (res.data as KommoTokenAnswer) : {});
const detailOf = (res: ProviderResponse): string => {
  const body = bodyOf(res);
  return body.hint ?? body.detail ?? body.title ?? (typeof res.data === 'string' ? res.data.slice(0, 200) : `HTTP ${res.status}`);
};

/**
 * Kommo OAuth: https://developers.kommo.com/docs/oauth-20
 * The refresh token is single-use: every successful answer carries a new one and the old one is dead, so the
 * caller must store the new pair before doing anything else. No answer at all (a ProviderError of kind Transient
 * from the HTTP layer) means the rotation is unknown; the caller keeps `rotationPending` for that case.
 */
export const refreshKommo: RefreshFn = async (input, endpoints) => {
  if (!input.kommoSubdomain) throw new ProviderError(FailureType.Invalid, 'kommo', `account ${input.accountId} has no Kommo subdomain`);
  const res = await http.send({
    method: 'POST',
    url: `${endpoints.kommoBaseUrl(input.kommoSubdomain)}/oauth2/access_token`,
    what: 'token refresh',
    json: {
      client_id: input.oauthClient.clientId,
      client_secret: input.oauthClient.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: input.refreshToken,
      redirect_uri: input.oauthClient.redirectUri ?? undefined,
    },
  });
  const body = bodyOf(res);
  if (res.status === 200 && body.access_token && body.refresh_token) {
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 86400) * 1000) };
  }
  const detail = detailOf(res);
  if (res.status === 400 && /revoked|invalid|expired/i.test(`${body.hint ?? ''} ${body.detail ?? ''}`)) {
    throw new ProviderError(FailureType.AuthRevoked, 'kommo', `refresh token rejected: ${detail}`, { status: 400, code: 'revoked' });
  }
  if (res.status === 401) throw new ProviderError(FailureType.AuthRevoked, 'kommo', `OAuth client rejected: ${detail}`, { status: 401 });
  if (res.status === 403 || res.status === 429) {
    throw new ProviderError(FailureType.RateLimited, 'kommo', `token endpoint limited (${res.status}): ${detail}`, {
      status: res.status,
      retryAfterMs: res.retryAfterMs ?? (res.status === 403 ? KOMMO_BLOCK_DELAY_MS : 1000),
    });
  }
  throw new ProviderError(kindForStatus(res.status), 'kommo', `token endpoint answered ${res.status}: ${detail}`, { status: res.status });
};

/**
 * The install flow's exchange of an authorization code for the first token pair. A code Kommo refuses is the
 * caller's input being wrong (expired, used, or for another integration): Invalid, never a server error.
 */
export async function exchangeKommoCode(
  oauthClient: { clientId: string; clientSecret: string; redirectUri: string | null },
  subdomain: string,
  code: string,
  endpoints: { kommoBaseUrl(subdomain: string): string },
): Promise<{ accessToken: string; refreshToken: string; expiresAt: Date }> {
  const res = await http.send({
    method: 'POST',
    url: `${endpoints.kommoBaseUrl(subdomain)}/oauth2/access_token`,
    what: 'authorization code exchange',
    json: { client_id: oauthClient.clientId, client_secret: oauthClient.clientSecret, grant_type: 'authorization_code', code, redirect_uri: oauthClient.redirectUri ?? undefined },
  });
  const body = bodyOf(res);
  if (res.status === 200 && body.access_token && body.refresh_token) {
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 86400) * 1000) };
  }
  const kind = res.status >= 500 ? FailureType.Transient : res.status === 429 ? FailureType.RateLimited : FailureType.Invalid;
  throw new ProviderError(kind, 'kommo', `authorization code rejected: ${detailOf(res)}`, { status: res.status });
}
