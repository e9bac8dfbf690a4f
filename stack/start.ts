/**
 * `npm start`: brings up the whole system on this machine (Temporal dev server with its Web UI, the
 * MongoDB-wire server, S3, the SMTP sink, the sandbox providers, a worker and the API), reusing whatever
 * already runs, prints the URLs, and stops what it started on Ctrl-C.
 */
import path from 'node:path';
import { loadSettings, temporalUiUrl } from '../config';
import { ensureStack } from './index';
import { startProcess, stopProcess, tsEntry, waitUntil } from './proc';
import { stackPaths } from './paths';
import { seedDemo } from './demo';

async function main(): Promise<void> {
  const settings = loadSettings();
  const paths = stackPaths(settings);
  const log = (line: string): void => void process.stdout.write(`[stack] ${line}\n`);
  const t0 = Date.now();
  const stack = await ensureStack(settings, ['temporal', 'mongodb', 's3', 'smtp', 'sandbox'], log);
  for (const s of stack.services) log(`${s.name.padEnd(8)} ${s.reused ? 'reused ' : 'started'} ${s.url}  ${s.detail}`);

  // The local demo talks to the sandbox's fakes unless providers are pointed elsewhere explicitly.
  const sandboxUrl = `http://127.0.0.1:${settings.SANDBOX_PORT}`;
  const providersUrl = settings.PROVIDERS_SANDBOX_URL ?? sandboxUrl;
  // Seeding the fakes is additive, so a reused sandbox gets the demo users too.
  const seeded = await seedDemo(settings, sandboxUrl, providersUrl === sandboxUrl);
  if (seeded.accounts.length) log(`demo     accounts ${seeded.accounts.join(', ')} (providers: the sandbox)`);
  if (seeded.config) log(`demo     extraction config ${seeded.config} (the seed's Zoho deals): npx switchyard extract run ${seeded.config} --wait`);
  const childEnv = { ...process.env, PROVIDERS_SANDBOX_URL: providersUrl };

  const apiUrl = `http://127.0.0.1:${settings.API_PORT}`;
  const apiUp = async (): Promise<boolean> => (await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(3000) })).status < 500;
  const children: ReturnType<typeof startProcess>[] = [];
  if (await apiUp().catch(() => false)) {
    log(`api      reused  ${apiUrl} (a worker is assumed to run beside it)`);
  } else {
    const worker = startProcess('worker', ...tsEntry(paths.repo, 'workers/main.ts'), { logDir: paths.logs, cwd: paths.repo, env: childEnv });
    children.push(worker);
    const api = startProcess('api', ...tsEntry(paths.repo, 'clients/api/main.ts'), { logDir: paths.logs, cwd: paths.repo, env: childEnv });
    children.push(api);
    await waitUntil('api', apiUp, 60_000, api.child, api.logFile);
    log(`worker   started (logs ${worker.logFile})`);
    log(`api      started ${apiUrl} (logs ${api.logFile})`);
  }

  const ui = temporalUiUrl(settings);
  process.stdout.write(
    [
      '',
      `Switchyard is up (${((Date.now() - t0) / 1000).toFixed(1)} s).`,
      `  Temporal Web UI  ${ui}`,
      `  API              ${apiUrl}  (GET /health)`,
      `  Sandbox          http://127.0.0.1:${settings.SANDBOX_PORT}  (fake providers, control API at /_control)`,
      `  Mail sink        http://127.0.0.1:${settings.SMTP_SINK_HTTP_PORT}/messages`,
      `  CLI              npx switchyard status`,
      `  Logs             ${paths.logs}`,
      '',
      'Press Ctrl-C to stop what this command started (servers that were already running keep running).',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    for (const c of [...children].reverse()) await stopProcess(c.child, 35_000);
    await stack.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const c of children) {
    c.child.once('exit', (code) => {
      if (!stopping) log(`${path.basename(c.logFile, '.log')} exited with code ${code}; see ${c.logFile}`);
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\nnpm start failed:\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
