import { z } from 'zod';
import type { Settings } from '../config';
import { OAUTH_PROVIDERS, SIGNALS, ZOHO_DC_NAMES, workflowsOfAccount } from '../common/names';
import { providerEndpoints } from '../providers/endpoints';
import { exchangeKommoCode } from '../providers/kommo/oauth';
import type { Stores } from '../store';
import { toView, type AccountStore, type AccountView } from '../store/accounts';
import type { OAuthClientDoc } from '../store/oauth-clients';
import type { Client } from '@temporalio/client';
import { withinDeadline } from './temporal';

/**
 * Onboarding, shared by the HTTP API and the CLI: what they receive is validated here (zod, naming the bad field),
 * and the stores take it typed and valid.
 */

const kommoSubdomain = z.string().regex(/^[a-z0-9-]+$/, 'a Kommo subdomain: lowercase letters, digits and -');

export const newAccountSchema = z
  .object({
    id: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.@:-]+$/, 'letters, digits and _ . @ : - only').optional(),
    provider: z.enum(OAUTH_PROVIDERS),
    oauthClientId: z.string().min(1),
    email: z.string().email().optional(),
    loginUserUsuario: z.string().optional(),
    refreshToken: z.string().min(1),
    accessToken: z.string().min(1).optional(),
    expiresAt: z.coerce.date().optional(),
    isActive: z.boolean().default(true),
    zohoDataCentre: z.enum(ZOHO_DC_NAMES).optional(),
    kommoSubdomain: kommoSubdomain.optional(),
    kommoAccountId: z.number().int().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.provider === 'kommo' && !v.kommoSubdomain) ctx.addIssue({ code: 'custom', path: ['kommoSubdomain'], message: 'required for Kommo accounts' });
    if (v.provider !== 'kommo' && !v.email) ctx.addIssue({ code: 'custom', path: ['email'], message: `required for ${v.provider} accounts` });
  });

/** The Kommo install flow's variant: an authorization code instead of a refresh token. */
export const kommoCodeSchema = z.object({
  id: z.string().optional(),
  provider: z.literal('kommo'),
  oauthClientId: z.string().min(1),
  kommoSubdomain,
  kommoAccountId: z.number().int().optional(),
  authorizationCode: z.string().min(1),
});

export const newOAuthClientSchema = z.object({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
  provider: z.enum(OAUTH_PROVIDERS),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUri: z.string().url().optional(),
  label: z.string().optional(),
});

/** Registers (or replaces) an OAuth client. Throws a ZodError naming the bad field. */
export async function addOAuthClient(stores: Pick<Stores, 'oauthClients'>, input: unknown): Promise<OAuthClientDoc> {
  return stores.oauthClients.upsert(newOAuthClientSchema.parse(input));
}

/**
 * Adds an account: with a refresh token (Google, Zoho, Kommo), or for Kommo with an authorization code from its
 * install flow, exchanged here for the first token pair. Throws a ZodError naming the bad field.
 */
export async function addAccount(stores: Pick<Stores, 'accounts' | 'oauthClients'>, settings: Settings, input: unknown): Promise<AccountView> {
  if (input && typeof input === 'object' && 'authorizationCode' in input) {
    const a = kommoCodeSchema.parse(input);
    const oauthClient = await stores.oauthClients.credentials(a.oauthClientId, 'kommo');
    const tokens = await exchangeKommoCode(oauthClient, a.kommoSubdomain, a.authorizationCode, providerEndpoints(settings));
    const doc = await stores.accounts.create({
      id: a.id || undefined,
      provider: 'kommo',
      oauthClientId: a.oauthClientId,
      kommoSubdomain: a.kommoSubdomain,
      kommoAccountId: a.kommoAccountId,
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      expiresAt: tokens.expiresAt,
    });
    return toView(doc);
  }
  return toView(await stores.accounts.create(newAccountSchema.parse(input)));
}

/**
 * Reconnects an account (a new refresh token after a revocation) and resumes every workflow it paused: each running
 * workflow tagged with the account gets a `resume` signal. Answers the resumed workflow ids; with Temporal
 * unreachable the account is reconnected all the same and the workflows stay paused until resumed.
 */
export async function reconnectAccount(
  accounts: AccountStore,
  temporal: Client | null,
  id: string,
  refreshToken: string,
  access?: { accessToken: string; expiresAt: Date },
): Promise<{ resumed: string[]; resumeError: string | null }> {
  await accounts.reconnect(id, refreshToken, access?.accessToken, access?.expiresAt);
  if (!temporal) return { resumed: [], resumeError: 'Temporal is not reachable' };
  const resumed: string[] = [];
  try {
    await withinDeadline(temporal, 'resuming the account workflows', async () => {
      for await (const wf of temporal.workflow.list({ query: workflowsOfAccount(id) })) {
        if (wf.workflowId.startsWith('token-refresh')) continue;
        await temporal.workflow.getHandle(wf.workflowId).signal(SIGNALS.resume, {});
        resumed.push(wf.workflowId);
      }
    });
    return { resumed, resumeError: null };
  } catch (err) {
    return { resumed, resumeError: err instanceof Error ? err.message : String(err) };
  }
}
