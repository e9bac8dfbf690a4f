import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Settings } from '../config';
import type { ProviderEndpoints } from '../providers/endpoints';
import type { RefreshFn } from '../providers/oauth';
import type { OAuthProvider } from '../common/names';
import type { AccountStore } from '../store/accounts';
import type { ConfigStore } from '../store/configs';
import type { ErrorLogStore } from '../store/error-logs';
import type { ContactLinkStore } from '../store/contact-links';
import type { PairingStore } from '../store/pairings';
import type { SyncCycleStore } from '../store/sync-cycles';
import type { KommoStores } from '../store/kommo';
import type { MirrorConnections } from './kommo/connect';
import { createKommoActivities } from './kommo';
import { createAlertActivities } from './alerts';
import { createContactActivities, type SideFactory } from './contacts';
import { createExtractActivities } from './extract';
import { createSmokeActivities } from './smoke';
import { createTokenActivities } from './tokens';

/** What activities need from the outside world; only the worker (and tests) build the real ones. */
export interface ActivityDeps {
  settings: Settings;
  db: Db;
  s3: S3Client;
  accounts: AccountStore;
  errorLogs: ErrorLogStore;
  /** Extraction configs, run logs, secrets and per-run state. */
  configs: ConfigStore;
  endpoints: ProviderEndpoints;
  refreshers: Record<OAuthProvider, RefreshFn>;
  mailer: Transporter;
  temporal: Client | null;
  log: Logger;
  pairings: PairingStore;
  links: ContactLinkStore;
  cycles: SyncCycleStore;
  /** Builds a pairing's provider adapters (the worker: real clients against PROVIDERS_SANDBOX_URL or the real hosts). */
  sides: SideFactory;
  /** The Kommo mirror's repositories and provider clients. */
  kommo: KommoStores;
  mirrorConnections: MirrorConnections;
}

/** Every activity the workers register. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
  ...createAlertActivities({ mailer: deps.mailer, settings: deps.settings }),
  ...createTokenActivities(deps),
  ...createExtractActivities({ settings: deps.settings, configs: deps.configs, s3: deps.s3, log: deps.log }),
  ...createContactActivities(deps),
  ...createKommoActivities({ ...deps, connections: deps.mirrorConnections }),
});

export type Activities = ReturnType<typeof createActivities>;
