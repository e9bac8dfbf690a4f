import type { OAuthProvider, ZohoDataCentre } from '../common/names';
import type { OAuthClientCredentials } from './oauth-clients';

/** The seed's `type` values, kept so operators recognise their records. */
export const SEED_TYPE: Record<OAuthProvider, string> = { google: 'GMAIL', zoho: 'zoho', kommo: 'kommo' };

export const ACCOUNT_STATUSES = ['active', 'needs_reauth', 'disabled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface TokenState {
  access: string | null; // encrypted
  refresh: string; // encrypted
  expiresAt: Date | null;
  /** Increases on every stored refresh: writes compare-and-swap on it. */
  version: number;
  refreshedAt: Date | null;
  /** The workflow/activity that stored it, so a retried attempt knows its earlier attempt already did. */
  refreshedBy?: string | null;
}

/** The seed's `auth` record, typed: one connected account of one provider. */
export interface AccountDoc {
  _id: string;
  provider: OAuthProvider;
  type: string;
  /** Unique per provider: the e-mail for Google and Zoho, the subdomain for Kommo. */
  key: string;
  email: string | null;
  loginUserUsuario: string | null;
  pendingConnections: number;
  isActive: boolean;
  status: AccountStatus;
  oauthClientId: string;
  zoho: { dataCentre: ZohoDataCentre; apiDomain: string | null } | null;
  kommo: { subdomain: string; accountId: number | null } | null;
  token: TokenState;
  /** Set when a rotated refresh token may have been lost (see activities/tokens.ts). */
  rotationPending: { owner: string; startedAt: Date } | null;
  lastError: { at: Date; kind: string; message: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A new account, already validated (clients/onboarding.ts validates what the API and CLI receive). Google and Zoho
 * accounts need an e-mail, Kommo accounts a subdomain; the store refuses one without with AccountInvalid.
 */
export interface NewAccount {
  id?: string | undefined;
  provider: OAuthProvider;
  oauthClientId: string;
  email?: string | undefined;
  loginUserUsuario?: string | undefined;
  refreshToken: string;
  accessToken?: string | undefined;
  expiresAt?: Date | undefined;
  isActive?: boolean | undefined;
  zohoDataCentre?: ZohoDataCentre | undefined;
  kommoSubdomain?: string | undefined;
  kommoAccountId?: number | undefined;
}

/** What may be shown anywhere: no token, no secret. */
export type AccountView = Pick<AccountDoc, 'provider' | 'type' | 'key' | 'email' | 'loginUserUsuario' | 'pendingConnections' | 'isActive' | 'status' | 'oauthClientId' | 'zoho' | 'kommo'> & {
  id: string;
  tokenExpiresAt: string | null;
  tokenVersion: number;
  refreshedAt: string | null;
  lastError: { at: string; kind: string; message: string } | null;
};

/** Decrypted credentials, for the one activity that calls the provider's token endpoint. */
export interface Credentials {
  account: AccountDoc;
  oauthClient: OAuthClientCredentials;
  accessToken: string | null;
  refreshToken: string;
}

export function toView(a: AccountDoc): AccountView {
  return {
    id: a._id,
    provider: a.provider,
    type: a.type,
    key: a.key,
    email: a.email,
    loginUserUsuario: a.loginUserUsuario,
    pendingConnections: a.pendingConnections,
    isActive: a.isActive,
    status: a.status,
    oauthClientId: a.oauthClientId,
    zoho: a.zoho,
    kommo: a.kommo,
    tokenExpiresAt: a.token.expiresAt?.toISOString() ?? null,
    tokenVersion: a.token.version,
    refreshedAt: a.token.refreshedAt?.toISOString() ?? null,
    lastError: a.lastError ? { ...a.lastError, at: a.lastError.at.toISOString() } : null,
  };
}
