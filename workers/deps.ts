import { Client, Connection } from '@temporalio/client';
import nodemailer from 'nodemailer';
import type { DestinationStream } from 'pino';
import type { Settings } from '../config';
import { createLogger } from '../config/logger';
import type { ActivityDeps } from '../activities';
import { providerEndpoints } from '../providers/endpoints';
import { REFRESHERS } from '../providers';
import { AccountStore } from '../store/accounts';
import { createCipher } from '../store/crypto';
import { ConfigStore } from '../store/configs';
import { ErrorLogStore } from '../store/error-logs';
import { connectMongo } from '../store/mongo';
import { s3Client } from '../store/s3';
import { ContactLinkStore } from '../store/contact-links';
import { PairingStore } from '../store/pairings';
import { SyncCycleStore } from '../store/sync-cycles';
import { createSideFactory } from '../activities/contacts/sides';
import { createMirrorConnections } from '../activities/kommo/connect';
import { kommoStores } from '../store/kommo';
import { temporalConnection } from '../config/temporal';

/** Builds the real dependencies of the activities. Only worker processes (and tests) call this. */
export async function buildActivityDeps(
  settings: Settings,
  opts: { dbName?: string; logDestination?: DestinationStream } = {},
): Promise<{ deps: ActivityDeps; close(): Promise<void> }> {
  const mongo = await connectMongo(settings, opts.dbName);
  const s3 = s3Client(settings);
  const cipher = createCipher(settings.ENCRYPTION_KEY);
  const accounts = new AccountStore(mongo.db, cipher);
  const errorLogs = new ErrorLogStore(mongo.db);
  const configs = new ConfigStore(mongo.db, cipher);
  const pairings = new PairingStore(mongo.db);
  const links = new ContactLinkStore(mongo.db);
  const cycles = new SyncCycleStore(mongo.db);
  await Promise.all([accounts.ensureIndexes(), errorLogs.ensureIndexes(), configs.ensureIndexes(), pairings.ensureIndexes(), links.ensureIndexes(), cycles.ensureIndexes()]);
  const endpoints = providerEndpoints(settings);
  const kommo = kommoStores(mongo.db, cipher);
  const mailer = nodemailer.createTransport(settings.SMTP_URL);
  const connection = await Connection.connect(temporalConnection(settings));
  const temporal = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return {
    deps: {
      settings,
      db: mongo.db,
      s3,
      accounts,
      errorLogs,
      configs,
      endpoints,
      refreshers: REFRESHERS,
      mailer,
      temporal,
      log: createLogger(settings, 'activities', opts.logDestination),
      pairings,
      links,
      cycles,
      sides: createSideFactory({ accounts, pairings, endpoints, settings }),
      kommo,
      mirrorConnections: createMirrorConnections({ accounts, mirrors: kommo.mirrors, endpoints, kommoRequestsPerSecond: settings.KOMMO_REQUESTS_PER_SECOND, unisenderCallsPerMinute: settings.UNISENDER_CALLS_PER_MINUTE }),
    },
    close: async () => {
      mailer.close();
      s3.destroy();
      await connection.close();
      await mongo.close();
    },
  };
}
