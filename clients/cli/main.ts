import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadSettings, temporalUiUrl } from '../../config';
import type { OAuthProvider } from '../../common/names';
import type { AccountStatus } from '../../store/accounts';
import { checkReachability } from '../health';
import { addExtractionCommands } from './extraction';
import { addKeyCommands } from './keys';
import { print, withStores } from './context';
import { z } from 'zod';
import { CONNECT_PROVIDERS, startConnect, startSchema } from '../connect';
import { addAccount, addOAuthClient, reconnectAccount } from '../onboarding';
import { addKommoCommands } from './kommo';
import { addSyncCommands } from './sync';
import { connectTemporal } from '../temporal';
import { startRefreshAll, startRefreshToken } from '../tokens';

/** `switchyard ...`: operate Switchyard from a terminal. Every command reads the same settings as the servers. */
export function buildCli(): Command {
  const program = new Command('switchyard').description('Operate Switchyard: SaaS integrations as durable Temporal workflows').showHelpAfterError();

  program
    .command('status')
    .description('what is reachable, and which workflows run')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'how many running workflows to list', '20')
    .action(async (opts: { json?: boolean; limit: string }) => {
      const settings = loadSettings();
      const checks = await checkReachability(settings, ['temporal', 'mongodb', 's3', 'smtp', 'sandbox']);
      const running: { workflowId: string; type: string; startTime: string; taskQueue: string }[] = [];
      let listError: string | undefined;
      if (checks.find((c) => c.name === 'temporal')?.ok) {
        const { client, close } = await connectTemporal(settings);
        try {
          for await (const wf of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
            running.push({ workflowId: wf.workflowId, type: wf.type, startTime: wf.startTime.toISOString(), taskQueue: wf.taskQueue });
            if (running.length >= Number(opts.limit)) break;
          }
        } catch (err) {
          listError = err instanceof Error ? err.message : String(err);
        } finally {
          await close();
        }
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ checks, running, listError }, null, 2)}\n`);
      } else {
        for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'DOWN'}  ${c.name.padEnd(8)} ${c.target}${c.ok ? '' : `  (${c.error ?? ''})`}\n`);
        process.stdout.write(`\nWeb UI: ${temporalUiUrl(settings)}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows\n`);
        if (listError) process.stdout.write(`cannot list workflows: ${listError}\n`);
        else {
          process.stdout.write(`running workflows: ${running.length}${running.length >= Number(opts.limit) ? '+' : ''}\n`);
          for (const r of running) process.stdout.write(`  ${r.type.padEnd(24)} ${r.workflowId}  (since ${r.startTime})\n`);
        }
      }
      const core = checks.filter((c) => ['temporal', 'mongodb', 's3'].includes(c.name));
      process.exitCode = core.every((c) => c.ok) ? 0 : 1;
    });

  const accounts = program.command('accounts').description('connected accounts (tokens are never shown)');
  accounts
    .command('list')
    .option('--provider <provider>', 'google | zoho | kommo')
    .option('--status <status>', 'active | needs_reauth | disabled')
    .option('--json', 'machine-readable output')
    .action(async (opts: { provider?: OAuthProvider; status?: AccountStatus; json?: boolean }) =>
      withStores(async ({ accounts }) => {
        const list = await accounts.list({ ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.status ? { status: opts.status } : {}) });
        if (opts.json) return print(list);
        for (const a of list) {
          process.stdout.write(`${a.id.padEnd(28)} ${a.provider.padEnd(7)} ${a.status.padEnd(13)} ${a.key.padEnd(32)} expires ${a.tokenExpiresAt ?? '?'}${a.lastError ? `  last error: ${a.lastError.message}` : ''}\n`);
        }
        process.stdout.write(`${list.length} account(s)\n`);
      }),
    );
  accounts
    .command('add')
    .description('connect an account with a refresh token, or a Kommo account with an authorization code')
    .requiredOption('--provider <provider>', 'google | zoho | kommo')
    .option('--oauth-client <id>', 'the OAuth client (see `switchyard oauth-clients list`)')
    .addOption(new Option('--client <id>', 'the same as --oauth-client').hideHelp())
    .option('--id <id>', 'account id (generated when absent)')
    .option('--email <email>', 'Google/Zoho account e-mail')
    .option('--login-user <name>', "Zoho's loginUserUsuario")
    .option('--refresh-token <token>', "refresh token; '-' reads it from standard input")
    .option('--code <code>', "Kommo authorization code; '-' reads it from standard input")
    .option('--zoho-dc <dc>', 'Zoho data centre: com, eu, in, com.au, jp, com.cn, sa, ca')
    .option('--kommo-subdomain <subdomain>', 'Kommo account subdomain')
    .action(async (o: Record<string, string | undefined>) =>
      withStores(async (stores, settings) => {
        const secret = (v: string | undefined): string | undefined => (v === '-' ? fs.readFileSync(0, 'utf8').trim() : v);
        const oauthClientId = o.oauthClient ?? o.client;
        if (!oauthClientId) throw new Error("required option '--oauth-client <id>' not specified");
        const input = {
          provider: o.provider,
          oauthClientId,
          ...(o.id ? { id: o.id } : {}),
          ...(o.email ? { email: o.email } : {}),
          ...(o.loginUser ? { loginUserUsuario: o.loginUser } : {}),
          ...(o.refreshToken ? { refreshToken: secret(o.refreshToken) } : {}),
          ...(o.code ? { authorizationCode: secret(o.code) } : {}),
          ...(o.zohoDc ? { zohoDataCentre: o.zohoDc } : {}),
          ...(o.kommoSubdomain ? { kommoSubdomain: o.kommoSubdomain } : {}),
        };
        print(await addAccount(stores, settings, input));
      }),
    );
  accounts
    .command('connect')
    .description("print the consent URL that connects an account (or, with --account, reconnects one) in a browser")
    .requiredOption('--provider <provider>', 'google | zoho')
    .option('--oauth-client <id>', 'the OAuth client to connect through')
    .addOption(new Option('--client <id>', 'the same as --oauth-client').hideHelp())
    .option('--account <id>', 'reconnect this account (through its own OAuth client)')
    .action(async (o: { provider: string; oauthClient?: string; client?: string; account?: string }) =>
      withStores(async (stores, settings) => {
        const provider = z.enum(CONNECT_PROVIDERS).parse(o.provider);
        const client = o.oauthClient ?? o.client;
        const s = await startConnect({ settings, stores }, provider, startSchema.parse({ ...(client ? { client } : {}), ...(o.account ? { account: o.account } : {}) }));
        process.stdout.write(`${s.url}\n`);
        process.stderr.write(`Open it in a browser before ${s.expiresAt.toISOString()} (it works once); the provider sends the browser back to ${s.redirectUri}.\n`);
      }),
    );
  accounts
    .command('reconnect <id>')
    .description('give a needs_reauth account a new refresh token and make it active again')
    .requiredOption('--refresh-token <token>', "refresh token; '-' reads it from standard input")
    .action(async (id: string, o: { refreshToken: string }) =>
      withStores(async ({ accounts }, settings) => {
        const token = o.refreshToken === '-' ? fs.readFileSync(0, 'utf8').trim() : o.refreshToken;
        const conn = await connectTemporal(settings).catch(() => null);
        try {
          const r = await reconnectAccount(accounts, conn?.client ?? null, id, token);
          process.stdout.write(`account ${id} is active again\n`);
          for (const w of r.resumed) process.stdout.write(`resumed ${w}\n`);
          if (r.resumeError) process.stdout.write(`its paused workflows were not resumed (${r.resumeError}): switchyard sync resume <pairing> once Temporal answers\n`);
        } finally {
          await conn?.close();
        }
      }),
    );

  // `clients` was this command's first name; it stays as a hidden alias so scripts that use it keep working.
  addOAuthClientCommands(program.command('oauth-clients').description('OAuth clients (a Google project, a Zoho or Kommo integration)'));
  addOAuthClientCommands(program.command('clients', { hidden: true }));

  addKeyCommands(program);

  const tokens = program.command('tokens').description('token refresh workflows');
  tokens
    .command('refresh')
    .description('refresh one account (--account) or every account of a provider (--provider), optionally only those expiring soon')
    .option('--account <id>', 'one account')
    .option('--provider <provider>', 'google | zoho | kommo')
    .option('--expiring-within <duration>', 'only tokens expiring within this time, e.g. 15m, 2h', parseMinutes)
    .option('--concurrency <n>', 'refreshes in flight at once (bulk)', (v) => Number(v))
    .option('--force', 'also refresh tokens another run refreshed within the last minute (skipped otherwise)')
    .option('--wait', 'wait for the result')
    .action(async (o: { account?: string; provider?: OAuthProvider; expiringWithin?: number; concurrency?: number; force?: boolean; wait?: boolean }) => {
      const settings = loadSettings();
      if (!o.account === !o.provider) throw new Error('give either --account ID or --provider NAME');
      const { client, close } = await connectTemporal(settings);
      try {
        const handle = o.account
          ? await startRefreshToken(client, settings, o.account, undefined, { force: o.force === true })
          : await startRefreshAll(client, settings, {
              provider: o.provider!,
              ...(o.force ? { force: true } : {}),
              ...(o.expiringWithin !== undefined ? { expiringWithinMinutes: o.expiringWithin } : {}),
              ...(o.concurrency ? { concurrency: o.concurrency } : {}),
            });
        process.stdout.write(`workflow ${handle.workflowId}\n${temporalUiUrl(settings)}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(handle.workflowId)}\n`);
        if (o.wait) print(await handle.result());
      } finally {
        await close();
      }
    });

  addExtractionCommands(program);
  addKommoCommands(program);
  addSyncCommands(program);
  return program;
}

/** `oauth-clients add | list`: register the OAuth client an account connects through. */
function addOAuthClientCommands(cmd: Command): void {
  cmd
    .command('add')
    .requiredOption('--id <id>', 'a name for this OAuth client, e.g. google-main')
    .requiredOption('--provider <provider>', 'google | zoho | kommo')
    .requiredOption('--client-id <clientId>')
    .requiredOption('--client-secret <secret>', "'-' reads it from standard input")
    .option('--redirect-uri <uri>')
    .option('--label <label>')
    .action(async (o: { id: string; provider: OAuthProvider; clientId: string; clientSecret: string; redirectUri?: string; label?: string }) =>
      withStores(async (stores) => {
        await addOAuthClient(stores, {
          id: o.id,
          provider: o.provider,
          clientId: o.clientId,
          clientSecret: o.clientSecret === '-' ? fs.readFileSync(0, 'utf8').trim() : o.clientSecret,
          ...(o.redirectUri ? { redirectUri: o.redirectUri } : {}),
          ...(o.label ? { label: o.label } : {}),
        });
        process.stdout.write(`OAuth client ${o.id} saved\n`);
      }),
    );
  cmd.command('list').action(async () => withStores(async ({ oauthClients }) => print(await oauthClients.list())));
}

/** "15m", "2h", "90s" or a bare number of minutes. */
export function parseMinutes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a duration like 15m, 2h or 90s');
  const n = Number(m[1]);
  return { s: n / 60, m: n, h: n * 60, d: n * 1440 }[(m[2] ?? 'm') as 's' | 'm' | 'h' | 'd'];
}

if (require.main === module || process.argv[1]?.endsWith('switchyard.js') || process.argv[1]?.endsWith('switchyard')) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`switchyard: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
