import { z } from 'zod';
import type { Settings } from '../config';
import { providerEndpoints } from '../providers/endpoints';
import { exchangeKommoCode } from '../providers/kommo/oauth';
import { AccountStore, newAccountSchema, type AccountView, toView } from '../store/accounts';
import { createCipher } from '../store/crypto';
import type { Db } from 'mongodb';
import type { Client } from '@temporalio/client';
import { SIGNALS, workflowsOfAccount } from '../common/names';
import { withinDeadline } from './temporal';

/**
 * Adding an account: with a refresh token (Google, Zoho, Kommo), or for Kommo with an authorization code from
 * its install flow, exchanged here for the first token pair.
 */
/** The Kommo install flow's variant: an authorization code instead of a refresh token. */
export const kommoCodeSchema = z.object({
  id: z.string().optional(),
  provider: z.literal('kommo'),
  oauthClientId: z.string().min(1),
  kommoSubdomain: z.string().regex(/^[a-z0-9-]+$/, 'a Kommo subdomain: lowercase letters, digits and -'),
  kommoAccountId: z.number().int().optional(),
  authorizationCode: z.string().min(1),
});

export function accountStore(db: Db, settings: Settings): AccountStore {
  return new AccountStore(db, createCipher(settings.ENCRYPTION_KEY));
}

/**
 * Adds an account: with a refresh token (Google, Zoho, Kommo), or for Kommo with an authorization code from its
 * install flow, exchanged here for the first token pair. Throws a ZodError naming the bad field.
 */
export async function addAccount(store: AccountStore, settings: Settings, input: unknown): Promise<AccountView> {
  if (input && typeof input === 'object' && 'authorizationCode' in input) {
    const a = kommoCodeSchema.parse(input);
    const client = await store.clientCredentials(a.oauthClientId, 'kommo');
    const tokens = await exchangeKommoCode(client, a.kommoSubdomain, a.authorizationCode, providerEndpoints(settings));
    const doc = await store.create({
      ...(a.id ? { id: a.id } : {}),
      provider: 'kommo',
      oauthClientId: a.oauthClientId,
      kommoSubdomain: a.kommoSubdomain,
      ...(a.kommoAccountId !== undefined ? { kommoAccountId: a.kommoAccountId } : {}),
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      expiresAt: tokens.expiresAt,
    });
    return toView(doc);
  }
  return toView(await store.create(newAccountSchema.parse(input)));
}

/**
 * Reconnects an account (a new refresh token after a revocation) and resumes every workflow it paused: each running
 * workflow tagged with the account gets a `resume` signal. Answers the resumed workflow ids; with Temporal
 * unreachable the account is reconnected all the same and the workflows stay paused until resumed.
 */
export async function reconnectAccount(store: AccountStore, temporal: Client | null, id: string, refreshToken: string): Promise<{ resumed: string[]; resumeError: string | null }> {
  await store.reconnect(id, refreshToken);
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
