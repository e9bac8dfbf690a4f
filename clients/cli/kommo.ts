import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { temporalUiUrl, type Settings } from '../../config';
import { createMirrorConnections } from '../../activities/kommo/connect';
import { providerEndpoints } from '../../providers/endpoints';
import type { KommoStores } from '../../store/kommo';
import { KommoMirrorService } from '../kommo';
import { KommoSetupService } from '../kommo-setup';
import { print, withContext } from './context';

interface Ctx {
  settings: Settings;
  kommo: KommoStores;
  mirrors: KommoMirrorService;
  setup: KommoSetupService;
}

async function withKommo<T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return withContext(async ({ settings, stores, temporal }) => {
    const { kommo, accounts } = stores;
    const endpoints = providerEndpoints(settings);
    const connections = createMirrorConnections({ accounts, mirrors: kommo.mirrors, endpoints, kommoRequestsPerSecond: 1, unisenderCallsPerMinute: 60 });
    const mirrors = new KommoMirrorService({ settings, kommo, connections, temporal });
    const setup = new KommoSetupService({ settings, kommo, accounts, oauthClients: stores.oauthClients, oauthStates: stores.oauthStates, endpoints, connections, mirrorsService: mirrors, temporal });
    return fn({ settings, kommo, mirrors, setup });
  });
}

const readSecret = (v: string): string => (v === '-' ? fs.readFileSync(0, 'utf8').trim() : v);
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};

/** Follows a full sync in the terminal until it ends: contacts listed against those the mirror knew. */
async function followFullSync(ctx: Ctx, mirrorId: string, gen: number): Promise<void> {
  const bar = new SingleBar({ format: '{bar} {value}/{total} contacts | {batches} batches | {phase}', hideCursor: true, etaBuffer: 5 });
  bar.start(1, 0, { batches: 0, phase: 'starting' });
  try {
    for (;;) {
      const p = await ctx.kommo.progress.get(mirrorId);
      const f = p.full;
      bar.setTotal(Math.max(f.expected, f.contacts, 1));
      bar.update(f.contacts, { batches: f.batches, phase: f.active ? 'listing' : f.gen >= gen ? 'done' : 'waiting for the mirror' });
      if (f.gen >= gen && !f.active) {
        bar.setTotal(Math.max(f.contacts, 1));
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    bar.stop();
  }
}

/** `switchyard kommo ...`: Kommo -> Unisender mirrors, each setup step, the mirror's signals and status. */
export function addKommoCommands(program: Command): void {
  const kommo = program.command('kommo').description('Kommo -> Unisender mirrors: setup, status, signals, by-hand reads');

  kommo
    .command('install')
    .description('step 1: the Kommo consent URL for an OAuth client (register it with `switchyard clients add --provider kommo ... --redirect-uri <API>/kommo/oauth/callback`)')
    .option('--client <id>', 'the Kommo OAuth client')
    .option('--account <id>', 'reconnect this Kommo account (through its own OAuth client; the consent must be for the same Kommo account)')
    .action(async (o: { client?: string; account?: string }) => withKommo(async ({ setup }) => print(await setup.install(o.client, o.account))));
  kommo
    .command('connect <redirectUrl>')
    .description("step 2: finish an install with the URL Kommo redirected the browser to (when it could not reach the API's /kommo/oauth/callback)")
    .action(async (url: string) => withKommo(async ({ setup }) => print(await setup.callback(Object.fromEntries(new URL(url).searchParams)))));
  kommo
    .command('unisender-key <mirrorId>')
    .description('step 3: the Unisender API key (checked with Unisender, stored encrypted)')
    .requiredOption('--api-key <key>', "the key; '-' reads it from standard input")
    .action(async (id: string, o: { apiKey: string }) => withKommo(async ({ setup }) => print(await setup.setUnisenderKey(id, { apiKey: readSecret(o.apiKey) }))));
  kommo
    .command('list <mirrorId>')
    .description('step 4: the Unisender list contacts go to: an existing one by id, or found or created by title')
    .option('--list-id <id>', 'an existing list', positiveInt)
    .option('--title <title>', 'a list title (created when the account has none by that title)')
    .action(async (id: string, o: { listId?: number; title?: string }) =>
      withKommo(async ({ setup }) => {
        if ((o.listId === undefined) === (o.title === undefined)) throw new Error('give either --list-id ID or --title TITLE');
        print(await setup.chooseList(id, o.listId !== undefined ? { listId: o.listId } : { title: o.title }));
      }),
    );
  kommo
    .command('webhook <mirrorId>')
    .description("step 5: subscribe the mirror's webhook at Kommo (a new secret each time) and start the mirror")
    .action(async (id: string) => withKommo(async ({ setup }) => print(await setup.subscribeWebhook(id))));

  kommo.command('mirrors').description('every mirror and its next setup step').action(async () => withKommo(async ({ mirrors }) => print(await mirrors.list())));
  kommo
    .command('status <mirrorId>')
    .description("the mirror's workflow status and what MongoDB holds")
    .action(async (id: string) =>
      withKommo(async ({ mirrors, settings }) => {
        const s = await mirrors.status(id);
        print(s);
        process.stdout.write(`${temporalUiUrl(settings)}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(s.workflowId)}\n`);
      }),
    );
  kommo
    .command('full-sync <mirrorId>')
    .description("list every Kommo contact into the list (a phase of the mirror's workflow, resumable from its page)")
    .option('--wait', 'follow it to the end with a progress bar')
    .action(async (id: string, o: { wait?: boolean }) =>
      withKommo(async (ctx) => {
        const before = (await ctx.kommo.progress.get(id)).full;
        const workflowId = await ctx.mirrors.signal(id, 'fullSync');
        process.stdout.write(`full sync asked of ${workflowId}${before.active ? ' (one is running: this joins it)' : ''}\n`);
        if (o.wait) await followFullSync(ctx, id, before.active ? before.gen : before.gen + 1);
        if (o.wait) print((await ctx.mirrors.status(id, { temporal: false })).stored);
      }),
    );
  kommo
    .command('pause <mirrorId>')
    .option('--reason <text>')
    .action(async (id: string, o: { reason?: string }) => withKommo(async ({ mirrors }) => print({ workflowId: await mirrors.signal(id, 'pause', o.reason ? { reason: o.reason } : {}) })));
  kommo.command('resume <mirrorId>').action(async (id: string) => withKommo(async ({ mirrors }) => print({ workflowId: await mirrors.signal(id, 'resume') })));
  kommo
    .command('rejections <mirrorId>')
    .description('rows Unisender refused (invalid, role, spam-trap addresses)')
    .option('--limit <n>', 'how many', positiveInt, 100)
    .action(async (id: string, o: { limit: number }) => withKommo(async ({ mirrors }) => print(await mirrors.rejections(id, o.limit))));
  kommo
    .command('sync-contacts <mirrorId> <contactIds...>')
    .description('mirror these Kommo contacts now (as if a webhook had named them)')
    .action(async (id: string, ids: string[]) => withKommo(async ({ mirrors }) => print(await mirrors.queueContacts(id, ids.map(positiveInt)))));

  // The seed's by-hand endpoints.
  kommo
    .command('contacts <mirrorId>')
    .description("one page of the Kommo account's contacts")
    .option('--page <url>', "a page's next link from an earlier answer")
    .option('--limit <n>', 'contacts a page (at most 250)', positiveInt)
    .action(async (id: string, o: { page?: string; limit?: number }) => withKommo(async ({ mirrors }) => print(await mirrors.kommoContacts(id, { ...(o.page ? { page: o.page } : {}), ...(o.limit ? { limit: o.limit } : {}) }))));
  kommo
    .command('unisender-contact <mirrorId> <email>')
    .description('a Unisender contact by e-mail, with its lists')
    .action(async (id: string, email: string) => withKommo(async ({ mirrors }) => print(await mirrors.unisenderContact(id, email))));
  kommo
    .command('add <mirrorId> <emails...>')
    .description("subscribe e-mails to the mirror's list by hand")
    .action(async (id: string, emails: string[]) => withKommo(async ({ mirrors }) => print(await mirrors.byHand(id, emails, false))));
  kommo
    .command('exclude <mirrorId> <emails...>')
    .description("take e-mails off the mirror's list by hand")
    .action(async (id: string, emails: string[]) => withKommo(async ({ mirrors }) => print(await mirrors.byHand(id, emails, true))));
}
