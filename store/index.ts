import type { Db } from 'mongodb';
import type { Settings } from '../config';
import { AccountStore } from './accounts';
import { ApiKeyStore } from './api-keys';
import { ConfigHistoryStore } from './config-history';
import { ConfigStore } from './configs';
import { ContactLinkStore } from './contact-links';
import { createCipher } from './crypto';
import { ErrorLogStore } from './error-logs';
import { kommoStores, type KommoStores } from './kommo';
import { ExtractionRunStore } from './extraction-runs';
import { OAuthClientStore } from './oauth-clients';
import { ParentRecordStore } from './parent-records';
import { OAuthStateStore, stateSigningKey } from './oauth-states';
import { PairingStore } from './pairings';
import { RefreshLeaseStore } from './refresh-leases';
import { RateGrantStore } from './rate-grants';
import { RunLogStore } from './run-logs';
import { SecretStore } from './secrets';
import { SmokeRunStore } from './smoke-runs';
import { SyncCycleStore } from './sync-cycles';
import { TokenJournalStore } from './token-journal';
import { UiSessionStore } from './ui-sessions';

/** Every repository, one per collection. */
export interface Stores {
  accounts: AccountStore;
  oauthClients: OAuthClientStore;
  /** Single-use OAuth states and reconnect links. */
  oauthStates: OAuthStateStore;
  refreshLeases: RefreshLeaseStore;
  /** Per-second slots of rate-limited endpoints, claimed by every worker process. */
  rateGrants: RateGrantStore;
  tokenJournal: TokenJournalStore;
  apiKeys: ApiKeyStore;
  /** The operator page's login sessions. */
  uiSessions: UiSessionStore;
  errorLogs: ErrorLogStore;
  /** Extraction configs, their change history, run logs, secrets and the working state of runs in flight. */
  configs: ConfigStore;
  configHistory: ConfigHistoryStore;
  runLogs: RunLogStore;
  secrets: SecretStore;
  extractionRuns: ExtractionRunStore;
  /** What runs of extractions with children kept of their records, for the children's runs. */
  parentRecords: ParentRecordStore;
  /** Contact sync: pairings, the links between their two sides' records, and the state of their cycles. */
  pairings: PairingStore;
  links: ContactLinkStore;
  cycles: SyncCycleStore;
  smokeRuns: SmokeRunStore;
  /** Kommo -> Unisender mirroring: mirrors, their inbox of webhook deliveries, contact and e-mail state, batches. */
  kommo: KommoStores;
}

/**
 * Builds every repository on one database, with one cipher built once from ENCRYPTION_KEY (and ENCRYPTION_DECRYPT_KEYS), and ensures their
 * indexes. Workers, the API, the CLI and tests all open their stores here.
 */
export async function openStores(db: Db, settings: Pick<Settings, 'ENCRYPTION_KEY'> & Partial<Pick<Settings, 'ENCRYPTION_DECRYPT_KEYS'>>): Promise<Stores> {
  const cipher = createCipher(settings.ENCRYPTION_KEY, settings.ENCRYPTION_DECRYPT_KEYS ?? []);
  const oauthClients = new OAuthClientStore(db, cipher);
  const refreshLeases = new RefreshLeaseStore(db);
  const tokenJournal = new TokenJournalStore(db);
  const configHistory = new ConfigHistoryStore(db);
  const stores: Stores = {
    accounts: new AccountStore(db, cipher, oauthClients, tokenJournal, refreshLeases),
    oauthClients,
    oauthStates: new OAuthStateStore(db, stateSigningKey(settings.ENCRYPTION_KEY)),
    refreshLeases,
    rateGrants: new RateGrantStore(db),
    tokenJournal,
    apiKeys: new ApiKeyStore(db),
    uiSessions: new UiSessionStore(db),
    errorLogs: new ErrorLogStore(db),
    configs: new ConfigStore(db, configHistory),
    configHistory,
    runLogs: new RunLogStore(db),
    secrets: new SecretStore(db, cipher),
    extractionRuns: new ExtractionRunStore(db, cipher),
    parentRecords: new ParentRecordStore(db),
    pairings: new PairingStore(db),
    links: new ContactLinkStore(db),
    cycles: new SyncCycleStore(db),
    smokeRuns: new SmokeRunStore(db),
    kommo: kommoStores(db, cipher),
  };
  await Promise.all(
    [stores.accounts, stores.oauthStates, stores.apiKeys, stores.uiSessions, stores.errorLogs, configHistory, stores.runLogs, stores.parentRecords, stores.pairings, stores.links, stores.cycles].map((s) => s.ensureIndexes()),
  );
  return stores;
}
