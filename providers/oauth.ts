import type { ZohoDataCentre } from '../common/names';
import type { ProviderEndpoints } from './endpoints';
import { HttpClient } from './http';

/** What a token refresh needs: plain values the activity reads (and decrypts) from the store. */
export interface RefreshInput {
  /** For messages only. */
  accountId: string;
  /** The OAuth client the account connects through, its secret decrypted. */
  oauthClient: { clientId: string; clientSecret: string; redirectUri: string | null };
  refreshToken: string;
  zohoDataCentre?: ZohoDataCentre;
  kommoSubdomain?: string;
}

/** A refreshed token as every provider's refresh answers it, normalised. */
export interface RefreshedToken {
  accessToken: string;
  /** Present when the provider rotated the refresh token (Kommo always does). */
  refreshToken?: string;
  expiresAt: Date;
  /** Zoho answers the API host of the account's data centre on every refresh. */
  apiDomain?: string;
}

/** One function per provider: exchange the refresh token for a new access token, or throw a ProviderError. */
export type RefreshFn = (input: RefreshInput, endpoints: ProviderEndpoints) => Promise<RefreshedToken>;

/** Whether the provider invalidates a refresh token when it is used (so a lost answer loses the account). */
export const ROTATES_REFRESH_TOKEN = { google: false, zoho: false, kommo: true } as const;

export const HTTP_TIMEOUT_MS = 15_000;

/**
 * Token endpoints are called once per attempt, without retries inside the call: Temporal retries the activity,
 * and a rotating provider (Kommo) must never see a hidden second use of a refresh token. Each refresh function
 * reads the answer itself, so every status is a result here.
 */
export const tokenEndpoint = (provider: string): HttpClient => new HttpClient({ provider, timeoutMs: HTTP_TIMEOUT_MS, classify: () => null });

/** The tokens an authorization code is exchanged for (the first pair of a connection), normalised. */
export interface GrantedTokens {
  accessToken: string;
  /** null when the provider issued none (Google without offline access and fresh consent, Zoho online access). */
  refreshToken: string | null;
  expiresAt: Date;
  /** Zoho's API host of the account's data centre. */
  apiDomain?: string;
}

/** An OAuth client as the authorization-code flow needs it: the secret decrypted, the redirect URI resolved. */
export interface CodeFlowClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** A consent URL: the authorization endpoint with its query. */
export function consentUrl(authUrl: string, params: Record<string, string>): string {
  const url = new URL(authUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
