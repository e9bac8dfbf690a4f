import type { Credentials } from '../store/accounts';
import type { ProviderEndpoints } from './endpoints';

/** A refreshed token as every provider's refresh answers it, normalised. */
export interface RefreshedToken {
  accessToken: string;
  /** Present when the provider rotated the refresh token (Kommo always does). */
  refreshToken?: string;
  expiresAt: Date;
  /** Zoho answers the API host of the account's data centre on every refresh. */
  apiDomain?: string;
}

/** One function per provider: exchange the stored refresh token for a new access token, or throw a ProviderError. */
export type RefreshFn = (creds: Credentials, endpoints: ProviderEndpoints) => Promise<RefreshedToken>;

/** Whether the provider invalidates a refresh token when it is used (so a lost answer loses the account). */
export const ROTATES_REFRESH_TOKEN = { google: false, zoho: false, kommo: true } as const;

export const HTTP_TIMEOUT_MS = 15_000;
