import { FailureType, ProviderError } from '../../providers/errors';
import type { ProviderEndpoints } from '../../providers/endpoints';
import { WindowPacer, type Pacer } from '../../providers/http';
import { KommoClient } from '../../providers/kommo/client';
import { KommoPacing } from '../../providers/kommo/pacing';
import { UnisenderClient } from '../../providers/unisender/client';
import type { AccountStore } from '../../store/accounts';
import type { KommoMirrorStore, MirrorDoc } from '../../store/kommo-mirrors';

/** A stored token this close to expiry is not used: a refresh comes first (a 401 would cost one of Kommo's 7/s). */
const TOKEN_MARGIN_MS = 60_000;

/** Provider clients of a mirror, for the worker's activities and the API's by-hand calls. */
export interface MirrorConnections {
  /** Kommo's API for a connected account, paced per account for the life of the process. */
  kommo(accountId: string, subdomain: string): KommoClient;
  /** Unisender with the mirror's stored key, paced per key. */
  unisender(mirror: MirrorDoc): UnisenderClient;
  /** Unisender with a key that is not stored yet (the setup step checks it with a real call). */
  unisenderWithKey(apiKey: string): UnisenderClient;
}

/**
 * Builds the clients. Pacers live as long as the process, one per Kommo account and one per Unisender key, so every
 * activity of one account shares its 7 requests/s. Nothing here calls a token endpoint: a missing or expiring
 * access token is an AuthExpired failure, which the workflow answers with the serialised refresh activity.
 */
export function createMirrorConnections(deps: {
  accounts: AccountStore;
  mirrors: KommoMirrorStore;
  endpoints: ProviderEndpoints;
  kommoRequestsPerSecond: number;
  unisenderCallsPerMinute: number;
}): MirrorConnections {
  const kommoPacing = new Map<string, KommoPacing>();
  const unisenderPacers = new Map<string, Pacer>();

  const accessToken = (accountId: string) => async (): Promise<string> => {
    const account = await deps.accounts.get(accountId);
    const expiring = account.token.expiresAt !== null && account.token.expiresAt.getTime() - Date.now() < TOKEN_MARGIN_MS;
    const creds = await deps.accounts.credentials(account);
    if (!creds.accessToken || expiring) {
      throw new ProviderError(FailureType.AuthExpired, 'kommo', `account ${accountId}: the stored access token ${creds.accessToken ? 'is about to expire' : 'is missing'}`);
    }
    return creds.accessToken;
  };

  const unisenderClient = (apiKey: string, pacerKey: string): UnisenderClient => {
    let pacer = unisenderPacers.get(pacerKey);
    if (!pacer) unisenderPacers.set(pacerKey, (pacer = new WindowPacer(deps.unisenderCallsPerMinute, 60_000)));
    return new UnisenderClient({ baseUrl: deps.endpoints.unisenderBaseUrl, apiKey: async () => apiKey, pacer });
  };

  return {
    kommo(accountId, subdomain) {
      let pacing = kommoPacing.get(accountId);
      if (!pacing) kommoPacing.set(accountId, (pacing = new KommoPacing(deps.kommoRequestsPerSecond)));
      return new KommoClient({ baseUrl: deps.endpoints.kommoBaseUrl(subdomain), accessToken: accessToken(accountId), pacing });
    },
    unisender(mirror) {
      return unisenderClient(deps.mirrors.unisenderKey(mirror), mirror.unisender?.apiKey ?? mirror._id);
    },
    unisenderWithKey(apiKey) {
      return unisenderClient(apiKey, `unchecked:${apiKey.slice(-8)}`);
    },
  };
}
