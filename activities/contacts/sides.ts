import { ApplicationFailure } from '@temporalio/common';
import type { Settings } from '../../config';
import { FailureType } from '../../common/names';
import type { ProviderEndpoints } from '../../providers/endpoints';
import { WindowPacer, type Pacer } from '../../providers/http';
import { googleContacts } from '../../providers/google/contacts';
import { PeopleClient } from '../../providers/google/people';
import { ConcurrencyLimiter } from '../../providers/zoho/api';
import { CreatorClient } from '../../providers/zoho/creator';
import { crmContacts } from '../../providers/zoho/crm-contacts';
import { ZohoCrmClient } from '../../providers/zoho/crm';
import { creatorContacts } from '../../providers/zoho/creator-contacts';
import { projectionOf } from '../../providers/zoho/mapper';
import type { AccountStore } from '../../store/accounts';
import type { PairingStore } from '../../store/pairings';
import type { ContactAdapter } from '../../sync';
import type { SideFactory } from './deps';

/** An adapter of one provider's raw records, driven by code that only hands its own records back to it. */
const erase = <T>(a: ContactAdapter<T>): ContactAdapter<unknown> => a as unknown as ContactAdapter<unknown>;

/** A stored token this close to expiry is not used: the workflow refreshes it first (a 401 would cost a call). */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Builds a pairing's provider adapters from the accounts' stored tokens. Pacers and limiters are kept per account for
 * the life of the worker process, so every activity of one Google user (or Zoho org) shares one quota window. Data
 * activities never call a token endpoint: an expired or missing token is an AuthExpired failure, which the workflow
 * answers by refreshing through the token refresh activity.
 */
export function createSideFactory(deps: {
  accounts: AccountStore;
  pairings: PairingStore;
  endpoints: ProviderEndpoints;
  settings: Pick<Settings, 'GOOGLE_READS_PER_MINUTE' | 'GOOGLE_WRITES_PER_MINUTE' | 'ZOHO_CRM_CALLS_PER_MINUTE' | 'SYNC_ZOHO_OVERLAP_SECONDS' | 'SYNC_ZOHO_DELETES_EVERY_SECONDS'>;
}): SideFactory {
  const googlePacers = new Map<string, { read: Pacer; write: Pacer }>();
  const zohoPacers = new Map<string, { pacer: Pacer; limiter: ConcurrencyLimiter }>();
  const creatorPacers = new Map<string, Pacer>();

  const tokenOf = (accountId: string) => async (): Promise<string> => {
    const account = await deps.accounts.get(accountId);
    const expired = account.token.expiresAt !== null && account.token.expiresAt.getTime() - Date.now() < TOKEN_MARGIN_MS;
    const creds = await deps.accounts.credentials(account);
    if (!creds.accessToken || expired) {
      throw ApplicationFailure.create({ type: FailureType.AuthExpired, message: `account ${accountId}: the stored access token ${creds.accessToken ? 'is about to expire' : 'is missing'}`, nonRetryable: true });
    }
    return creds.accessToken;
  };

  return async (pairing, side, mapping) => {
    if (side === 'google') {
      const id = pairing.googleAccountId;
      let pacers = googlePacers.get(id);
      if (!pacers) {
        pacers = { read: new WindowPacer(deps.settings.GOOGLE_READS_PER_MINUTE, 60_000), write: new WindowPacer(deps.settings.GOOGLE_WRITES_PER_MINUTE, 60_000) };
        googlePacers.set(id, pacers);
      }
      const client = new PeopleClient({ rootUrl: deps.endpoints.googlePeopleRootUrl, accessToken: tokenOf(id), pacers });
      return erase(googleContacts(client, { ...projectionOf(mapping), linkIdKey: pairing.linkIdKey }));
    }
    const id = pairing.zohoAccountId;
    const account = await deps.accounts.get(id);
    const apiDomain = account.zoho?.apiDomain ?? deps.endpoints.zohoApiUrl(account.zoho?.dataCentre ?? 'com');
    if (pairing.target.kind === 'crm') {
      if (mapping.kind !== 'crm') throw ApplicationFailure.create({ type: FailureType.Invalid, message: `pairing ${pairing._id}: a CRM target needs a CRM field mapping`, nonRetryable: true });
      let shared = zohoPacers.get(id);
      if (!shared) {
        shared = { pacer: new WindowPacer(deps.settings.ZOHO_CRM_CALLS_PER_MINUTE, 60_000), limiter: new ConcurrencyLimiter(10) };
        zohoPacers.set(id, shared);
      }
      const client = new ZohoCrmClient({ apiDomain, accessToken: tokenOf(id), pacer: shared.pacer, limiter: shared.limiter });
      let ownerId = pairing.target.ownerId;
      if (ownerId?.includes('@')) {
        // The seed's loginUserUsuario is the CRM user's e-mail: its id is what records carry and creates need.
        const email = ownerId.toLowerCase();
        const user = (await client.users('AllUsers')).find((u) => u.email?.toLowerCase() === email);
        if (!user) throw ApplicationFailure.create({ type: FailureType.Invalid, message: `pairing ${pairing._id}: no Zoho CRM user with e-mail ${email} in the account's organisation`, nonRetryable: true });
        ownerId = user.id;
        await deps.pairings.update(pairing._id, { target: { kind: 'crm', ownerId } }, 'contact sync (owner e-mail resolved)');
      }
      return erase(crmContacts(client, { mapping, ownerId, overlapSeconds: deps.settings.SYNC_ZOHO_OVERLAP_SECONDS, deletesEverySeconds: deps.settings.SYNC_ZOHO_DELETES_EVERY_SECONDS }));
    }
    if (mapping.kind !== 'creator') throw ApplicationFailure.create({ type: FailureType.Invalid, message: `pairing ${pairing._id}: a Creator target needs a Creator field mapping`, nonRetryable: true });
    const t = pairing.target;
    const client = new CreatorClient({
      apiDomain,
      accessToken: tokenOf(id),
      owner: t.owner,
      app: t.app,
      pacerFor: (endpoint) => {
        const key = `${id}:${endpoint}`;
        let p = creatorPacers.get(key);
        if (!p) creatorPacers.set(key, (p = new WindowPacer(50, 60_000)));
        return p;
      },
    });
    return erase(creatorContacts(client, t, mapping));
  };
}
