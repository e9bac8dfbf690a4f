import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Settings } from '../config';
import type { OAuthProvider } from '../common/names';
import type { ProviderEndpoints } from '../providers/endpoints';
import type { RefreshFn } from '../providers/oauth';
import type { Stores } from '../store';
import type { MirrorConnections } from './kommo/connect';
import { createKommoActivities } from './kommo';
import { createAlertActivities } from './alerts';
import { createContactActivities, type SideFactory } from './contacts';
import { createExtractionActivities } from './extraction';
import { createSmokeActivities } from './smoke';
import { createTokenActivities } from './tokens';

/** What activities need from the outside world: the repositories, and the clients only the worker (and tests) build. */
export interface ActivityDeps extends Stores {
  settings: Settings;
  s3: S3Client;
  endpoints: ProviderEndpoints;
  refreshers: Record<OAuthProvider, RefreshFn>;
  mailer: Transporter;
  temporal: Client | null;
  log: Logger;
  /** Where an extraction config's URL is served when not at itself (the sandbox's host map, in the local stack). */
  rewriteUrl?: ((url: string) => string) | undefined;
  /** Builds a pairing's provider adapters (the worker: real clients against PROVIDERS_SANDBOX_URL or the real hosts). */
  sides: SideFactory;
  /** The Kommo mirror's provider clients (its repositories are stores.kommo). */
  mirrorConnections: MirrorConnections;
}

/** Every activity the workers register. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
  ...createAlertActivities(deps),
  ...createTokenActivities(deps),
  ...createExtractionActivities(deps),
  ...createContactActivities(deps),
  ...createKommoActivities({ ...deps, connections: deps.mirrorConnections }),
});

export type Activities = ReturnType<typeof createActivities>;
