import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { apiPublicUrl, type Settings } from '../config';
import { oauthCallbackPath, type ZohoDataCentre } from '../common/names';
import { providerEndpoints, type ProviderEndpoints } from '../providers/endpoints';
import { ProviderError } from '../providers/errors';
import { exchangeGoogleCode, googleConsentUrl, googleIdentity } from '../providers/google/consent';
import type { CodeFlowClient, GrantedTokens } from '../providers/oauth';
import { exchangeZohoCode, zohoConsentUrl, zohoDataCentreOf, zohoIdentity } from '../providers/zoho/consent';
import type { Stores } from '../store';
import type { OAuthClientCredentials } from '../store/oauth-clients';
import { reconnectAccount } from './onboarding';

/**
 * Connecting and reconnecting accounts through the provider's consent page (the OAuth authorization-code flow),
 * shared by the HTTP API and the CLI. A start issues a single-use state bound to the OAuth client and the account
 * being reconnected; the callback consumes it, exchanges the code, reads who consented, and creates or reconnects
 * the account. Every refusal happens before anything is written.
 */

export const CONNECT_PROVIDERS = ['google', 'zoho'] as const;
export type ConnectProvider = (typeof CONNECT_PROVIDERS)[number];

/** How long a consent may take, from the start to the callback. */
export const STATE_TTL_MS = 15 * 60_000;

export interface ConnectDeps {
  settings: Settings;
  stores: Pick<Stores, 'accounts' | 'oauthClients' | 'oauthStates'>;
  temporal: () => Promise<Client>;
}

/** The callback every OAuth client of a provider registers, unless the client names its own redirect URI. */
export const callbackUrl = (settings: Pick<Settings, 'API_PUBLIC_URL' | 'API_PORT'>, provider: ConnectProvider): string => `${apiPublicUrl(settings)}${oauthCallbackPath(provider)}`;

const codeFlowClient = (settings: Settings, provider: ConnectProvider, c: OAuthClientCredentials): CodeFlowClient => ({
  clientId: c.clientId,
  clientSecret: c.clientSecret,
  redirectUri: c.redirectUri ?? callbackUrl(settings, provider),
});

/** A failure the callback shows: nothing was changed. */
export class ConnectRefused extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectRefused';
  }
}

export const startSchema = z
  .object({ client: z.string().min(1).optional(), account: z.string().min(1).optional() })
  .refine((q) => q.client !== undefined || q.account !== undefined, { message: 'client (an OAuth client id) or account (to reconnect) is required', path: ['client'] });

/**
 * Starts a connection (with an OAuth client) or a reconnection (of an account, through its own OAuth client):
 * answers the consent URL to send the account's owner to.
 */
export async function startConnect(
  deps: Pick<ConnectDeps, 'settings' | 'stores'>,
  provider: ConnectProvider,
  input: z.infer<typeof startSchema>,
  linkId: string | null = null,
): Promise<{ url: string; expiresAt: Date; redirectUri: string }> {
  const account = input.account ? await deps.stores.accounts.get(input.account) : null;
  if (account && account.provider !== provider) throw new ConnectRefused(400, 'Wrong provider', `account ${account._id} is a ${account.provider} account, not a ${provider} one`);
  const oauthClientId = account?.oauthClientId ?? input.client ?? '';
  const client = codeFlowClient(deps.settings, provider, await deps.stores.oauthClients.credentials(oauthClientId, provider));
  const { state, expiresAt } = await deps.stores.oauthStates.issue({
    provider,
    oauthClientId,
    accountId: account?._id ?? null,
    purpose: account ? 'reconnect' : 'connect',
    ttlMs: STATE_TTL_MS,
    linkId,
  });
  const endpoints = providerEndpoints(deps.settings);
  const p = { clientId: client.clientId, redirectUri: client.redirectUri, state };
  const url = provider === 'google' ? googleConsentUrl(endpoints.googleAuthUrl, { ...p, loginHint: account?.email ?? undefined }) : zohoConsentUrl(endpoints.zohoAuthUrl, p);
  return { url, expiresAt, redirectUri: client.redirectUri };
}

const callbackQuery = z
  .object({
    state: z.string().max(500).optional(),
    code: z.string().max(2000).optional(),
    error: z.string().max(200).optional(),
    'accounts-server': z.string().max(200).optional(),
  })
  .loose();

/** Why a presented state was refused, in words for the page. */
export const STATE_REFUSED = { unknown: 'it is unknown or was already used', expired: 'it has expired', mismatch: 'it was issued for another provider or purpose' } as const;

export interface Connected {
  accountId: string;
  email: string;
  created: boolean;
  resumed: string[];
  resumeError: string | null;
}

/** The provider's callback: checks and consumes the state, exchanges the code, and creates or reconnects the account. */
export async function finishConnect(deps: ConnectDeps, provider: ConnectProvider, query: unknown): Promise<Connected> {
  const q = callbackQuery.parse(query);
  if (!q.state) throw new ConnectRefused(400, 'Not a valid callback', 'The request carries no state; start the connection again.');
  const consumed = await deps.stores.oauthStates.consume(q.state, provider, ['connect', 'reconnect']);
  if (!consumed.ok) throw new ConnectRefused(400, 'This link cannot be used', `The connection request was refused because ${STATE_REFUSED[consumed.reason]}. Start the connection again.`);
  const s = consumed.state;
  if (q.error === 'access_denied') throw new ConnectRefused(403, 'Access was not granted', 'The consent was denied at the provider; nothing was changed.');
  if (q.error || !q.code) throw new ConnectRefused(400, 'The provider answered an error', `The provider answered ${q.error ?? 'no code'}; nothing was changed.`);

  const client = codeFlowClient(deps.settings, provider, await deps.stores.oauthClients.credentials(s.oauthClientId, provider));
  const endpoints = providerEndpoints(deps.settings);
  const granted = await exchange(provider, client, q.code, q['accounts-server'], endpoints);
  const { tokens, identity, dc } = granted;
  if (!tokens.refreshToken) throw new ConnectRefused(502, 'No refresh token', `The provider issued no refresh token (offline access was not granted); nothing was changed.`);
  const access = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };

  const target = s.accountId ? await deps.stores.accounts.get(s.accountId) : await deps.stores.accounts.findByKey(provider, identity.email);
  if (s.accountId && target && target.key !== identity.email) {
    throw new ConnectRefused(409, 'A different account', `Account ${target._id} is ${target.key}, but the consent was given as ${identity.email}. Sign in as ${target.key} and try again; nothing was changed.`);
  }
  if (target && target.oauthClientId !== s.oauthClientId) {
    throw new ConnectRefused(409, 'Already connected', `${identity.email} is already connected as account ${target._id} through OAuth client ${target.oauthClientId}; reconnect that account instead. Nothing was changed.`);
  }
  if (target) {
    const temporal = await deps.temporal().catch(() => null);
    const r = await reconnectAccount(deps.stores.accounts, temporal, target._id, tokens.refreshToken, access);
    if (s.linkId) await deps.stores.oauthStates.spend(s.linkId);
    return { accountId: target._id, email: identity.email, created: false, ...r };
  }
  const doc = await deps.stores.accounts.create({
    provider,
    oauthClientId: s.oauthClientId,
    email: identity.email,
    refreshToken: tokens.refreshToken,
    ...access,
    ...(dc ? { zohoDataCentre: dc } : {}),
  });
  return { accountId: doc._id, email: identity.email, created: true, resumed: [], resumeError: null };
}

async function exchange(
  provider: ConnectProvider,
  client: CodeFlowClient,
  code: string,
  accountsServer: string | undefined,
  endpoints: ProviderEndpoints,
): Promise<{ tokens: GrantedTokens; identity: { email: string }; dc: ZohoDataCentre | null }> {
  try {
    if (provider === 'google') {
      const tokens = await exchangeGoogleCode(client, code, endpoints.googleTokenUrl);
      return { tokens, identity: await googleIdentity(endpoints.googlePeopleRootUrl, tokens.accessToken), dc: null };
    }
    const dc = zohoDataCentreOf(accountsServer);
    if (!dc) throw new ConnectRefused(400, 'Unknown Zoho data centre', 'The callback names an accounts server that is not Zoho’s; nothing was changed.');
    const tokens = await exchangeZohoCode(client, code, endpoints.zohoAccountsUrl(dc));
    return { tokens, identity: await zohoIdentity(tokens.apiDomain ?? endpoints.zohoApiUrl(dc), tokens.accessToken), dc };
  } catch (err) {
    if (err instanceof ProviderError) throw new ConnectRefused(502, 'The provider refused the connection', `${err.message}. Nothing was changed; start the connection again.`);
    throw err;
  }
}
