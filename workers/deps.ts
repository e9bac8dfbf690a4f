import { Client, Connection } from '@temporalio/client';
import nodemailer from 'nodemailer';
import type { DestinationStream } from 'pino';
import type { Settings } from '../config';
import { createLogger } from '../config/logger';
import type { ActivityDeps } from '../activities';
import { providerEndpoints } from '../providers/endpoints';
import { REFRESHERS } from '../providers';
import { openStores } from '../store';
import { connectMongo } from '../store/mongo';
import type { Db } from 'mongodb';
import { s3Client } from '../store/s3';
import { sandboxRewrite } from '../sandbox/demo/hosts';
import { createSideFactory } from '../activities/contacts/sides';
import { createMirrorConnections } from '../activities/kommo/connect';
import { temporalConnection } from '../config/temporal';

/** Builds the real dependencies of the activities. Only worker processes (and tests) call this. */
export async function buildActivityDeps(
  settings: Settings,
  opts: { dbName?: string; logDestination?: DestinationStream } = {},
): Promise<{ deps: ActivityDeps; db: Db; close(): Promise<void> }> {
  const mongo = await connectMongo(settings, opts.dbName);
  const s3 = s3Client(settings);
  const stores = await openStores(mongo.db, settings);
  // With the providers on the sandbox, the seed's Zoho hosts in extraction configs are served by its demo API.
  const sandboxUrl = settings.PROVIDERS_SANDBOX_URL;
  const endpoints = providerEndpoints(settings);
  const mailer = nodemailer.createTransport(settings.SMTP_URL);
  const connection = await Connection.connect(temporalConnection(settings));
  const temporal = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return {
    deps: {
      ...stores,
      settings,
      s3,
      endpoints,
      refreshers: REFRESHERS,
      mailer,
      temporal,
      log: createLogger(settings, 'activities', opts.logDestination),
      ...(sandboxUrl ? { rewriteUrl: (url: string) => sandboxRewrite(url, sandboxUrl) } : {}),
      sides: createSideFactory({ accounts: stores.accounts, pairings: stores.pairings, endpoints, settings }),
      mirrorConnections: createMirrorConnections({ accounts: stores.accounts, mirrors: stores.kommo.mirrors, endpoints, kommoRequestsPerSecond: settings.KOMMO_REQUESTS_PER_SECOND, unisenderCallsPerMinute: settings.UNISENDER_CALLS_PER_MINUTE }),
    },
    db: mongo.db,
    close: async () => {
      mailer.close();
      s3.destroy();
      await connection.close();
      await mongo.close();
    },
  };
}
