import type { Client } from '@temporalio/client';
import { loadSettings } from '../../config';
import { createLogger } from '../../config/logger';
import { connectMongo } from '../../store/mongo';
import { connectClient } from '../temporal';
import { buildApi } from './server';

/** `npm run api`: the HTTP API on API_PORT; closes cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger(settings, 'api');
  const mongo = await connectMongo(settings);
  let temporal: Promise<{ client: Client; close(): Promise<void> }> | undefined;
  const getTemporal = async (): Promise<Client> => {
    temporal ??= connectClient(settings).catch((err: unknown) => {
      temporal = undefined;
      throw err;
    });
    return (await temporal).client;
  };
  const app = await buildApi({ settings, db: mongo.db, temporal: getTemporal, log });
  await app.listen({ host: '0.0.0.0', port: settings.API_PORT });
  log.info({ port: settings.API_PORT }, 'api listening');
  const stop = async (): Promise<void> => {
    await app.close();
    if (temporal) await (await temporal).close().catch(() => undefined);
    await mongo.close();
    log.info('api stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
