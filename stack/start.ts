/**
 * `npm start`: brings up the whole system on this machine (Temporal dev server with its Web UI, the
 * MongoDB-wire server, S3, the SMTP sink, the sandbox providers, a worker and the API), reusing whatever
 * already runs, prints the URLs, restarts what it started when it dies, and stops what it started on Ctrl-C.
 */
import { loadSettings, temporalUiUrl } from '../config';
import { seedDemo } from './demo';
import { ensureStack, type ServiceHandle } from './index';
import { stackPaths } from './paths';
import { DEFAULT_RESTART, describeWindow, formatMs } from './restart';
import { OwnedProcesses, StackInterrupted } from './supervisor';

const log = (line: string): void => void process.stdout.write(`[stack] ${line}\n`);

function report(services: ServiceHandle[]): void {
  for (const s of services) log(`${s.name.padEnd(8)} ${s.reused ? 'reused ' : 'started'} ${s.url}  ${s.detail}`);
}

/**
 * Ctrl-C (or SIGTERM, SIGHUP) at any moment stops exactly the processes this command started, newest first; a
 * second one kills what is still stopping. During start-up no further process starts once the first arrived.
 */
function stopOnSignals(owned: OwnedProcesses, isUp: () => boolean): void {
  let first = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first) {
      // One Ctrl-C arrives twice: from the terminal, and relayed by npm and tsx.
      if (Date.now() - first < 2000) return;
      log(`${signal} again: killing what is still running`);
      void owned.stop(undefined, true);
      return;
    }
    first = Date.now();
    const mine = owned.processes.filter((p) => !p.exit).map((p) => `${p.spec.name} (pid ${p.child.pid ?? '?'})`);
    log(`${signal}: stopping what this command started${mine.length ? `: ${mine.join(', ')}` : ' (nothing)'}; servers it reused keep running`);
    void owned.stop().then(() => {
      log('stopped');
      process.exit(isUp() ? 0 : 130);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const paths = stackPaths(settings);
  const owned = new OwnedProcesses(paths.logs, log);
  let up = false;
  stopOnSignals(owned, () => up);
  const t0 = Date.now();
  const options = { owned, restart: DEFAULT_RESTART };
  let started: ServiceHandle[];
  try {
    const servers = await ensureStack(settings, ['temporal', 'mongodb', 's3', 'smtp', 'sandbox'], log, options);
    report(servers.services);

    // The local demo talks to the sandbox's fakes unless providers are pointed elsewhere explicitly.
    const sandboxUrl = `http://127.0.0.1:${settings.SANDBOX_PORT}`;
    const providersUrl = settings.PROVIDERS_SANDBOX_URL ?? sandboxUrl;
    // Seeding the fakes is additive, so a reused sandbox gets the demo users too.
    const seeded = await seedDemo(settings, sandboxUrl, providersUrl === sandboxUrl);
    if (seeded.accounts.length) log(`demo     accounts ${seeded.accounts.join(', ')} (providers: the sandbox)`);
    if (seeded.config) log(`demo     extraction config ${seeded.config} (the seed's Zoho deals): npx switchyard extract run ${seeded.config} --wait`);

    // The worker after the demo data, so it creates the demo config's schedule at start.
    const apps = await ensureStack({ ...settings, PROVIDERS_SANDBOX_URL: providersUrl }, ['worker', 'api'], log, options);
    report(apps.services);
    started = [...servers.services, ...apps.services].filter((s) => !s.reused);
  } catch (err) {
    // Interrupted: the signal handler stops everything and exits.
    if (err instanceof StackInterrupted || owned.stopping) return;
    process.stderr.write(`\nnpm start failed:\n${err instanceof Error ? err.message : String(err)}\n`);
    const mine = owned.processes.filter((p) => !p.exit).map((p) => p.spec.name);
    if (mine.length) log(`stopping what this command started: ${mine.join(', ')}`);
    await owned.stop();
    if (mine.length) log('stopped');
    process.exit(1);
  }
  up = true;

  const apiUrl = `http://127.0.0.1:${settings.API_PORT}`;
  process.stdout.write(
    [
      '',
      `Switchyard is up (${formatMs(Date.now() - t0)}).`,
      `  Temporal Web UI  ${temporalUiUrl(settings)}`,
      `  API              ${apiUrl}  (GET /health)`,
      `  Sandbox          http://127.0.0.1:${settings.SANDBOX_PORT}  (fake providers, control API at /_control)`,
      `  Mail sink        http://127.0.0.1:${settings.SMTP_SINK_HTTP_PORT}/messages`,
      `  CLI              npx switchyard status`,
      `  Logs             ${paths.logs}`,
      '',
    ].join('\n'),
  );
  if (!started.length) {
    process.stdout.write('Everything was already running, so this command started nothing and exits; the command that started it supervises it.\n');
    process.exit(0);
  }
  process.stdout.write(
    [
      `Supervising ${started.map((s) => s.name).join(', ')}: one that dies is restarted with backoff (at most ${describeWindow(DEFAULT_RESTART)} each).`,
      'Press Ctrl-C to stop what this command started (servers that were already running keep running).',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`\nnpm start failed:\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
