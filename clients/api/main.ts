import { loadSettings } from '../../config';
import { refuseExampleKeys } from '../../config/example-keys';
import { createLogger } from '../../config/logger';
import { connectMongo } from '../../store/mongo';
import { lazyTemporal } from '../temporal';
import { buildApi } from './server';

/** `npm run api`: the HTTP API on API_PORT; closes cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const settings = loadSettings();
  refuseExampleKeys(settings);
  const log = createLogger(settings, 'api');
  const mongo = await connectMongo(settings);
  const temporal = lazyTemporal(settings);
  const app = await buildApi({ settings, db: mongo.db, temporal: temporal.get, log });
  await app.listen({ host: '0.0.0.0', port: settings.API_PORT });
  log.info({ port: settings.API_PORT }, 'api listening');
  const stop = async (): Promise<void> => {
    await app.close();
    await temporal.close();
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
