import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Settings } from '../config';
import type { MirrorConnections } from '../activities/kommo/connect';
import { webhookBase } from '../activities/kommo/context';
import { ensureWebhook } from '../activities/kommo/webhook';
import type { ProviderEndpoints } from '../providers/endpoints';
import { FailureType, ProviderError } from '../providers/errors';
import { KommoClient } from '../providers/kommo/client';
import { exchangeKommoCode } from '../providers/kommo/oauth';
import { consentUrl, subdomainFromReferer } from '../providers/kommo/webhook';
import { AccountInvalid, type AccountStore } from '../store/accounts';
import type { KommoStores } from '../store/kommo';
import type { OAuthClientCredentials, OAuthClientStore } from '../store/oauth-clients';
import type { OAuthStateDoc, OAuthStateStore } from '../store/oauth-states';
import { deploymentId, ids } from '../common/names';
import { mirrorIdOf, nextStepOf, toMirrorView, type MirrorView } from '../store/kommo-mirrors';
import { ConnectRefused, STATE_REFUSED } from './connect';
import type { KommoMirrorService } from './kommo';
import { TemporalUnavailable } from './temporal';
import { startRefreshToken } from './tokens';

/**
 * The seed's setup steps, each with a precise error: start an install (a consent URL with a single-use state),
 * Kommo's redirect back (state consumed, subdomain only from a `<sub>.kommo.com` referer, code exchanged, the Kommo
 * account id read), the Unisender API key (checked with a real call, stored encrypted), the target list (picked or
 * created), and the webhook (subscribed, then the mirror's workflow starts).
 */

/** A setup step refused: `status` is the HTTP answer, the message says what and what to do. */
export class KommoSetupError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'KommoSetupError';
  }
}

export const callbackSchema = z.object({
  code: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  referer: z.string().optional(),
  client_id: z.string().optional(),
  error: z.string().optional(),
});
export type CallbackQuery = z.infer<typeof callbackSchema>;

export const unisenderKeySchema = z.strictObject({ apiKey: z.string().trim().min(8, 'a Unisender API key').max(200) });
export const listChoiceSchema = z.union([
  z.strictObject({ listId: z.coerce.number().int().positive() }),
  z.strictObject({ title: z.string().trim().min(1).max(200) }),
]);

type GrantedKommoTokens = Awaited<ReturnType<typeof exchangeKommoCode>>;

export interface CallbackResult {
  mirror: MirrorView;
  accountId: string;
  /** A reinstall of an account whose mirror existed: it was resumed (or will be, once Temporal answers). */
  reconnected: boolean;
  resumed: boolean | 'pending';
}

export class KommoSetupService {
  constructor(
    private readonly deps: {
      settings: Settings;
      kommo: KommoStores;
      accounts: AccountStore;
      oauthClients: OAuthClientStore;
      oauthStates: OAuthStateStore;
      endpoints: ProviderEndpoints;
      connections: MirrorConnections;
      mirrorsService: KommoMirrorService;
      temporal: () => Promise<Client>;
    },
  ) {}

  /**
   * Step 1: the consent URL of a Kommo OAuth client, with a new single-use state (store/oauth-states.ts, the one
   * Google and Zoho connections use). With an account, a reconnection through that account's own client: the
   * consent must come back for the same Kommo account.
   */
  async install(oauthClientId: string | undefined, accountId?: string): Promise<{ consentUrl: string; state: string; expiresAt: string; redirectUri: string }> {
    const account = accountId ? await this.deps.accounts.get(accountId) : null;
    if (account && account.provider !== 'kommo') throw new KommoSetupError(400, `account: ${account._id} is a ${account.provider} account, not a Kommo one`);
    const clientId = account?.oauthClientId ?? oauthClientId;
    if (!clientId) throw new KommoSetupError(400, 'client: the id of a Kommo OAuth client is required (register one with POST /api/oauth-clients)');
    const client = await this.deps.oauthClients.credentials(clientId, 'kommo');
    if (!client.redirectUri) throw new KommoSetupError(400, `OAuth client ${clientId} has no redirect URI: register it with redirectUri = <this API>/kommo/oauth/callback, as in the Kommo integration's settings`);
    const { state, expiresAt } = await this.deps.oauthStates.issue({
      provider: 'kommo',
      oauthClientId: clientId,
      accountId: account?._id ?? null,
      purpose: 'install',
      ttlMs: this.deps.settings.KOMMO_INSTALL_STATE_TTL_SECONDS * 1000,
    });
    return { consentUrl: consentUrl(this.deps.endpoints.kommoBaseUrl('www'), client.clientId, state), state, expiresAt: expiresAt.toISOString(), redirectUri: client.redirectUri };
  }

  /**
   * Step 2: Kommo's redirect. A malformed redirect is refused before its state is looked at (the state stays
   * usable); then the state is consumed with the same checks as Google's and Zoho's (signature, single use,
   * expiry, provider and purpose). Every refusal is a ConnectRefused and happens before anything is stored.
   */
  async callback(query: unknown): Promise<CallbackResult> {
    const q = callbackSchema.parse(query);
    if (!q.state) throw new ConnectRefused(400, 'Not a valid callback', 'state is missing: open the consent URL that GET /api/kommo/install answered');
    if (q.error) {
      await this.consumeState(q.state);
      throw new ConnectRefused(400, 'Access was not granted', `Kommo answered "${q.error.slice(0, 60)}": the account owner did not grant access; nothing was changed. Start the install again.`);
    }
    if (!q.code) throw new ConnectRefused(400, 'Not a valid callback', "code is missing from Kommo's redirect");
    const subdomain = subdomainFromReferer(q.referer);
    if (!subdomain) throw new ConnectRefused(400, 'Not a valid callback', `referer must be <subdomain>.kommo.com, got "${(q.referer ?? '').slice(0, 80)}"`);
    const installed = await this.consumeState(q.state);
    const client = await this.deps.oauthClients.credentials(installed.oauthClientId, 'kommo');
    if (q.client_id !== undefined && q.client_id !== client.clientId) throw new ConnectRefused(400, 'Not a valid callback', `client_id ${q.client_id.slice(0, 60)} is not the client this install was started for`);

    // The API host is built from our configured base, never from the request: the secret goes to Kommo only.
    const { tokens, info } = await this.exchange(client, subdomain, q.code);
    if (info.subdomain !== subdomain) throw new ConnectRefused(400, 'A different account', `Kommo says the token is for ${info.subdomain}.kommo.com, not ${subdomain}.kommo.com; nothing was changed.`);

    const existing = installed.accountId ? await this.deps.accounts.get(installed.accountId) : await this.deps.accounts.findByKey('kommo', subdomain);
    let accountId: string;
    if (existing) {
      if (existing.key !== subdomain) throw new ConnectRefused(409, 'A different account', `Account ${existing._id} is ${existing.key}.kommo.com, but access was granted for ${subdomain}.kommo.com. Choose ${existing.key} on Kommo's page and try again; nothing was changed.`);
      if (existing.oauthClientId !== installed.oauthClientId) throw new ConnectRefused(409, 'Already connected', `account ${existing._id} (${subdomain}) is connected through OAuth client ${existing.oauthClientId}; install that integration instead`);
      if (existing.kommo?.accountId && existing.kommo.accountId !== info.id) throw new ConnectRefused(409, 'A different account', `${subdomain}.kommo.com now belongs to Kommo account ${info.id}, not ${existing.kommo.accountId}`);
      await this.deps.accounts.reconnect(existing._id, tokens.refreshToken, tokens.accessToken, tokens.expiresAt);
      await this.deps.accounts.setKommoAccountId(existing._id, info.id);
      accountId = existing._id;
    } else {
      const doc = await this.deps.accounts.create({ provider: 'kommo', oauthClientId: installed.oauthClientId, kommoSubdomain: subdomain, kommoAccountId: info.id, refreshToken: tokens.refreshToken, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt });
      accountId = doc._id;
    }
    const { mirror, created } = await this.deps.kommo.mirrors.ensure({ _id: mirrorIdOf(info.id), accountId, oauthClientId: installed.oauthClientId, kommo: { subdomain, accountId: info.id } });
    let resumed: CallbackResult['resumed'] = false;
    if (!created && nextStepOf(mirror) === null) {
      // A reconnect after revoked access: the paused mirror picks up where it stopped.
      resumed = await this.deps.mirrorsService.signal(mirror._id, 'resume', { mirror }).then(
        () => true,
        (err: unknown) => {
          if (err instanceof TemporalUnavailable) return 'pending' as const;
          throw err;
        },
      );
    }
    return { mirror: toMirrorView(mirror), accountId, reconnected: !created, resumed };
  }

  /** Spends an install state; a forged, used, expired or foreign one is refused. */
  private async consumeState(state: string): Promise<OAuthStateDoc> {
    const consumed = await this.deps.oauthStates.consume(state, 'kommo', ['install']);
    if (!consumed.ok) throw new ConnectRefused(403, 'This link cannot be used', `state is unknown, expired or used already (${STATE_REFUSED[consumed.reason]}): start the install again (GET /api/kommo/install)`);
    return consumed.state;
  }

  /** The code exchanged at the account's own host, and whose account the token opens; a refusal changes nothing. */
  private async exchange(client: OAuthClientCredentials, subdomain: string, code: string): Promise<{ tokens: GrantedKommoTokens; info: { id: number; subdomain: string } }> {
    try {
      const tokens = await exchangeKommoCode(client, subdomain, code, this.deps.endpoints);
      const api = new KommoClient({ baseUrl: this.deps.endpoints.kommoBaseUrl(subdomain), accessToken: async () => tokens.accessToken });
      return { tokens, info: await api.getAccount() };
    } catch (err) {
      if (err instanceof ProviderError) throw new ConnectRefused(502, 'The provider refused the connection', `${err.message}. Nothing was changed; start the install again.`);
      throw err;
    }
  }

  /** Step 3: the Unisender API key, checked with a real call (getLists) before it is stored encrypted. */
  async setUnisenderKey(mirrorId: string, body: unknown): Promise<{ mirror: MirrorView; lists: { id: number; title: string }[] }> {
    const { apiKey } = unisenderKeySchema.parse(body);
    await this.deps.kommo.mirrors.get(mirrorId);
    let lists: { id: number; title: string }[];
    try {
      lists = await this.deps.connections.unisenderWithKey(apiKey).getLists();
    } catch (err) {
      if (err instanceof ProviderError && err.kind === FailureType.AuthRevoked) throw new KommoSetupError(400, `apiKey: Unisender refused it (${err.details.code ?? err.message}); nothing was stored`);
      throw err;
    }
    const mirror = await this.deps.kommo.mirrors.setUnisender(mirrorId, apiKey);
    await this.resumeIfPaused(mirrorId, 'unisender');
    return { mirror: toMirrorView(mirror), lists };
  }

  /** Step 4: the list contacts go to: one of the account's (by id), or found or created by title. */
  async chooseList(mirrorId: string, body: unknown): Promise<{ mirror: MirrorView; created: boolean }> {
    const choice = listChoiceSchema.parse(body);
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    if (!m.unisender) throw new KommoSetupError(409, `mirror ${mirrorId} has no Unisender API key yet: do the unisender-key step first`);
    const client = this.deps.connections.unisender(m);
    const lists = await client.getLists();
    if ('listId' in choice) {
      const list = lists.find((l) => l.id === choice.listId);
      if (!list) throw new KommoSetupError(400, `listId: ${choice.listId} is not a list of this Unisender account (${lists.map((l) => `${l.id} "${l.title}"`).join(', ') || 'it has none'})`);
      return { mirror: toMirrorView(await this.deps.kommo.mirrors.setList(mirrorId, list.id, list.title)), created: false };
    }
    // Unisender refuses a second list with the same title, so an existing one is taken (and a retried create finds it).
    const same = lists.find((l) => l.title.toLowerCase() === choice.title.toLowerCase());
    const list = same ?? { id: (await client.createList(choice.title)).id, title: choice.title };
    return { mirror: toMirrorView(await this.deps.kommo.mirrors.setList(mirrorId, list.id, list.title)), created: !same };
  }

  /** Step 5: subscribes the webhook (a new secret each time; older destinations of the mirror are removed), then starts the mirror. */
  async subscribeWebhook(mirrorId: string): Promise<{ mirror: MirrorView; destination: string; workflowId: string | null }> {
    const m = await this.deps.kommo.mirrors.get(mirrorId);
    const step = nextStepOf(m);
    if (step === 'unisender-key' || step === 'list') throw new KommoSetupError(409, `mirror ${mirrorId} is not ready for its webhook: do the ${step} step first`);
    const base = webhookBase(this.deps.settings, mirrorId);
    await this.withKommoToken(m.accountId, () => ensureWebhook(this.deps.kommo.mirrors, m, this.deps.connections.kommo(m.accountId, m.kommo.subdomain), base, 'subscribe'));
    const mirror = await this.deps.kommo.mirrors.get(mirrorId);
    const workflowId = await this.deps.mirrorsService.signal(mirrorId, 'wake', { mirror }).catch((err: unknown) => {
      if (err instanceof TemporalUnavailable) return null; // the first delivery or the sweeper starts it
      throw err;
    });
    return { mirror: toMirrorView(mirror), destination: `${base}<secret>`, workflowId };
  }

  /** A Kommo call with the stored token; an expired one is refreshed by the serialised refresh workflow first. */
  private async withKommoToken<T>(accountId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ProviderError && err.kind === FailureType.AuthExpired)) throw err;
      const client = await this.deps.temporal();
      const handle = await startRefreshToken(client, this.deps.settings, accountId, 'kommo');
      const result = await Promise.race([handle.result(), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
      if (!result) throw new AccountInvalid('accountId', `the Kommo token of ${accountId} is being refreshed (${deploymentId(this.deps.settings.TEMPORAL_TASK_QUEUE, ids.refreshToken(accountId))}); try again shortly`);
      return call();
    }
  }

  private async resumeIfPaused(mirrorId: string, kind: 'unisender'): Promise<void> {
    const s = await this.deps.mirrorsService.status(mirrorId).catch(() => null);
    if (s?.status?.paused?.kind === kind) await this.deps.mirrorsService.signal(mirrorId, 'resume').catch(() => undefined);
  }
}
