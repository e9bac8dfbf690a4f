import { loadSettings } from '../config';
import { buildSandbox } from './app';

/** `npm run sandbox`: every fake provider on one loopback port (SANDBOX_PORT). */
async function main(): Promise<void> {
  const settings = loadSettings();
  const started = Date.now();
  const baseUrl = `http://127.0.0.1:${settings.SANDBOX_PORT}`;
  const { app, providers } = await buildSandbox({ baseUrl, logger: settings.LOG_LEVEL === 'debug' });
  await app.listen({ host: '127.0.0.1', port: settings.SANDBOX_PORT });
  process.stdout.write(
    `sandbox listening on ${baseUrl} (${[...providers.keys()].join(', ')}) in ${Date.now() - started} ms\n`,
  );
  const stop = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
