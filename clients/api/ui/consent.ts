import type { OAuthProvider } from '../../../common/names';
import type { Stores } from '../../../store';
import { AccountInvalid } from '../../../store/accounts';
import { ConnectRefused, startConnect, type ConnectDeps } from '../../connect';
import type { KommoSetupService } from '../../kommo-setup';

/**
 * The page's Connect and Reconnect buttons start the consent flows the API already has, with the same scope
 * rules: a Google or Zoho connection stores a refresh token, so it needs the root key (as GET /api/connect does);
 * a Kommo install is open to any key (as GET /api/kommo/install is).
 */
export const mayConnect = (provider: OAuthProvider, isRoot: boolean): boolean => provider === 'kommo' || isRoot;

export interface ConsentStarter {
  /** The provider's consent URL for a new account through an OAuth client, or for reconnecting an account. */
  consentUrl(target: { client: string } | { account: string }, isRoot: boolean): Promise<string>;
}

export function consentStarter(deps: { connect: Pick<ConnectDeps, 'settings' | 'stores'>; stores: Pick<Stores, 'accounts' | 'oauthClients'>; kommo: KommoSetupService }): ConsentStarter {
  return {
    async consentUrl(target, isRoot) {
      const provider =
        'client' in target ? (await deps.stores.oauthClients.providersOf([target.client])).get(target.client) : (await deps.stores.accounts.get(target.account)).provider;
      if (!provider) throw new AccountInvalid('client', `no OAuth client with id ${'client' in target ? target.client : ''}`);
      if (!mayConnect(provider, isRoot)) throw new ConnectRefused(403, 'Root key only', `Connecting a ${provider} account stores its refresh token: log in with the root API key to do it.`);
      if (provider === 'kommo') return (await deps.kommo.install('client' in target ? target.client : undefined, 'account' in target ? target.account : undefined)).consentUrl;
      return (await startConnect(deps.connect, provider, target)).url;
    },
  };
}
