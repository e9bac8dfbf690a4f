import fs from 'node:fs';
import os from 'node:os';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { temporalUiUrl } from '../../config';
import { PairingInvalid, SyncService } from '../sync';
import { print, withContext } from './context';

const by = (): string => `cli:${os.userInfo().username}`;

async function withSync<T>(fn: (s: SyncService, ui: string) => Promise<T>): Promise<T> {
  return withContext(async ({ settings, stores, temporal }) => {
    try {
      const service = new SyncService({ settings, pairings: stores.pairings, links: stores.links, cycles: stores.cycles, accounts: stores.accounts, temporal });
      return await fn(service, `${temporalUiUrl(settings)}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows`);
    } catch (err) {
      if (err instanceof PairingInvalid) throw new Error(`invalid pairing:\n${err.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, { cause: err });
      throw err;
    }
  });
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

/** "5m", "90s", "1h" as seconds. */
function seconds(v: string): number {
  const m = /^(\d+)\s*(s|m|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('a duration like 90s, 5m or 1h');
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

/** Waits for the cycle after `from` to end, with a progress bar of the batches it pushes. */
async function follow(s: SyncService, id: string, from: number): Promise<void> {
  const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total} batches', hideCursor: true });
  let started = false;
  for (;;) {
    const { status } = await s.status(id);
    if (!status) throw new Error(`no contact sync workflow runs for ${id}`);
    if (status.progress) {
      if (!started) bar.start(status.progress.batches, 0, { phase: status.phase });
      started = true;
      bar.update(status.progress.pushed, { phase: status.phase });
    }
    if (status.cycle > from && (status.phase === 'waiting' || status.phase === 'paused')) {
      if (started) bar.stop();
      print({ cycle: status.cycle, phase: status.phase, last: status.last, lastError: status.lastError, paused: status.paused });
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `switchyard sync ...`: contact-sync pairings between Google Contacts and Zoho, and their workflows. */
export function addSyncCommands(program: Command): void {
  const sync = program.command('sync').description('contact sync between Google Contacts and Zoho (CRM or Creator)');
  sync
    .command('pair')
    .description('pair a Google account with a Zoho target and start its sync')
    .requiredOption('--google <accountId>', 'the Google account')
    .requiredOption('--zoho <accountId>', 'the Zoho account')
    .option('--id <id>', 'the pairing id (generated when absent)')
    .option('--creator <owner/app/form/report>', 'a Zoho Creator target instead of CRM Contacts')
    .option('--owner <crmUserId>', "CRM: the user whose contacts are synced (default: the Google account's loginUserUsuario)")
    .option('--all-owners', 'CRM: sync every contact of the organisation')
    .option('--mapping <file.json>', 'field mapping (defaults per target)')
    .option('--policy <file.json>', 'conflict and deletion policy')
    .option('--interval <duration>', 'time between cycles, e.g. 5m', seconds)
    .action(async (o: { google: string; zoho: string; id?: string; creator?: string; owner?: string; allOwners?: boolean; mapping?: string; policy?: string; interval?: number }) =>
      withSync(async (s, ui) => {
        let target: Record<string, unknown>;
        if (o.creator) {
          const [owner, app, form, report] = o.creator.split('/');
          if (!owner || !app || !form || !report) throw new Error('--creator is owner/app/form/report');
          target = { kind: 'creator', owner, app, form, report };
        } else {
          target = { kind: 'crm', ...(o.owner ? { ownerId: o.owner } : {}), ...(o.allOwners ? { allOwners: true } : {}) };
        }
        const { pairing, workflowId } = await s.create(
          {
            ...(o.id ? { id: o.id } : {}),
            googleAccountId: o.google,
            zohoAccountId: o.zoho,
            target,
            ...(o.mapping ? { mapping: readJson(o.mapping) } : {}),
            ...(o.policy ? { policy: readJson(o.policy) } : {}),
            ...(o.interval ? { intervalSeconds: o.interval } : {}),
          },
          by(),
        );
        process.stdout.write(`pairing ${pairing._id}\nworkflow ${workflowId}\n${ui}/${encodeURIComponent(workflowId)}\n`);
      }),
    );
  sync.command('list').action(async () =>
    withSync(async (s) => {
      for (const p of await s.list({ limit: 1000 })) process.stdout.write(`${p._id.padEnd(24)} ${p.googleAccountId} <-> ${p.zohoAccountId} (${p.target.kind}, every ${p.intervalSeconds}s)\n`);
    }),
  );
  sync.command('status <pairingId>').action(async (id: string) => withSync(async (s) => print(await s.status(id))));
  sync
    .command('conflicts <pairingId>')
    .option('--limit <n>', 'how many', '20')
    .action(async (id: string, o: { limit: string }) => withSync(async (s) => print(await s.conflicts(id, Number(o.limit)))));
  sync
    .command('resync <pairingId>')
    .description('run a cycle now')
    .option('--wait', 'wait for it to end')
    .action(async (id: string, o: { wait?: boolean }) =>
      withSync(async (s) => {
        const before = (await s.status(id)).status?.cycle ?? 0;
        process.stdout.write(`${await s.signal(id, 'resync')}\n`);
        if (o.wait) await follow(s, id, before);
      }),
    );
  sync
    .command('full-resync <pairingId>')
    .description('run a cycle that lists both sides in full')
    .option('--wait', 'wait for it to end, with a progress bar')
    .action(async (id: string, o: { wait?: boolean }) =>
      withSync(async (s) => {
        const before = (await s.status(id)).status?.cycle ?? 0;
        process.stdout.write(`${await s.signal(id, 'fullResync')}\n`);
        if (o.wait) await follow(s, id, before);
      }),
    );
  sync
    .command('pause <pairingId>')
    .option('--reason <text>', 'shown in the status')
    .action(async (id: string, o: { reason?: string }) => withSync(async (s) => void process.stdout.write(`${await s.signal(id, 'pause', o.reason ? { reason: o.reason } : {})}\n`)));
  sync
    .command('resume <pairingId>')
    .option('--allow-mass-delete', 'apply the deletions a halted cycle refused')
    .action(async (id: string, o: { allowMassDelete?: boolean }) => withSync(async (s) => void process.stdout.write(`${await s.signal(id, 'resume', { allowMassDelete: o.allowMassDelete === true })}\n`)));
  sync.command('delete <pairingId>').description('stop the sync and delete the pairing and its links').action(async (id: string) => withSync(async (s) => s.delete(id)));
}
