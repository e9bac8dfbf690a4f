import fs from 'node:fs';
import os from 'node:os';
import { SingleBar } from 'cli-progress';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { temporalUiUrl, type Settings } from '../../config';
import { formatIssues } from '../../extraction';
import type { Stores } from '../../store';
import { extractConfigProgressQuery, extractRunProgressQuery, type ExtractConfigResult } from '../../workflows/extraction';
import { ConfigInvalid } from '../../extraction';
import { ExtractionService } from '../extraction';
import { print, withContext } from './context';

interface Ctx {
  settings: Settings;
  stores: Stores;
  service: ExtractionService;
  temporal(): Promise<Client>;
}

/** Config changes from the CLI are recorded under this name in the config history. */
const cliName = (): string => `cli:${os.userInfo().username}`;

async function withService<T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return withContext(async ({ settings, stores, temporal }) => {
    try {
      return await fn({ settings, stores, service: new ExtractionService({ settings, configs: stores.configs, secrets: stores.secrets, temporal }), temporal });
    } catch (err) {
      if (err instanceof ConfigInvalid) throw new Error(`invalid config:\n${formatIssues(err.issues)}`, { cause: err });
      throw err;
    }
  });
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

/** `switchyard extract ...` and `switchyard configs ...`: the REST extractor from a terminal. */
export function addExtractionCommands(program: Command): void {
  const extract = program.command('extract').description('REST extraction runs and their logs');
  extract
    .command('run <configIdOrFile>')
    .description('run a stored config, or a config file (stored first: created, or updated when a config of that name exists)')
    .option('--extraction <id>', 'only this extraction (id or name)')
    .option('--wait', 'wait for the end, with a progress bar')
    .action(async (target: string, o: { extraction?: string; wait?: boolean }) =>
      withService(async ({ settings, stores, service, temporal }) => {
        let configId = target;
        if (fs.existsSync(target) && fs.statSync(target).isFile()) {
          const body = readJson(target) as { name?: unknown };
          const existing = typeof body.name === 'string' ? await stores.configs.findByName(body.name) : null;
          const stored = existing ? await service.update(existing._id, body, cliName()) : await service.create(body, cliName());
          configId = String(stored.id);
          process.stdout.write(`config ${configId} ${existing ? 'updated' : 'created'} from ${target}\n`);
        }
        const handle = await service.startRun(configId, { trigger: 'cli', ...(o.extraction ? { extractionIds: [o.extraction] } : {}) });
        process.stdout.write(`workflow ${handle.workflowId}\n${temporalUiUrl(settings)}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(handle.workflowId)}\n`);
        if (!o.wait) return;
        const client = await temporal();
        const bar = new SingleBar({
          format: '{bar} {value}/{total} extractions | {name}: {records} records, {pages} pages, {mib} MiB ({status})',
          hideCursor: true,
          etaBuffer: 1,
        });
        bar.start(1, 0, { name: '-', records: 0, pages: 0, mib: '0.0', status: 'starting' });
        let finished = false;
        const poll = (async () => {
          while (!finished) {
            const p = await handle.query(extractConfigProgressQuery).catch(() => null);
            if (p) {
              bar.setTotal(Math.max(p.total, 1));
              const run = p.current ? await client.workflow.getHandle(p.current.workflowId).query(extractRunProgressQuery).catch(() => null) : null;
              bar.update(p.finished.length, {
                name: p.current?.extractionName ?? '-',
                records: run?.records ?? 0,
                pages: run?.pages ?? 0,
                mib: ((run?.bytes ?? 0) / 1048576).toFixed(1),
                status: run?.status ?? (p.current ? 'starting' : 'done'),
              });
            }
            await new Promise((r) => setTimeout(r, 500));
          }
        })();
        let result: ExtractConfigResult;
        try {
          result = await handle.result();
        } finally {
          finished = true;
          await poll;
          bar.stop();
        }
        print(result);
        if (result.runs.some((r) => !r.success)) process.exitCode = 1;
      }),
    );
  extract
    .command('logs <extractionId>')
    .description("run logs of an extraction, newest first (the seed's fields plus workflow id, pages, bytes, duration)")
    .option('--limit <n>', 'how many', '20')
    .action(async (extractionId: string, o: { limit: string }) => withService(async ({ stores }) => print(await stores.runLogs.of(extractionId, Number(o.limit)))));

  const cfg = program.command('configs').description('extraction configs (every change is recorded with who made it)');
  cfg.command('list').action(async () =>
    withService(async ({ service }) => {
      for (let after: string | null | undefined; after !== null; ) {
        const page = await service.list({ limit: 200, ...(after ? { after } : {}) });
        for (const c of page.configs) {
          const exs = (c.extractions ?? []).map((e) => `${e.name} (${e.id})`).join(', ');
          process.stdout.write(`${c.id.padEnd(22)} ${c.name.padEnd(24)} ${c.cron ?? 'default schedule'}  ${exs}\n`);
        }
        after = page.next;
      }
    }),
  );
  cfg.command('show <id>').action(async (id: string) => withService(async ({ service }) => print(await service.get(id))));
  cfg.command('create <file>').description('store a config file; prints it with its ids').action(async (file: string) => withService(async ({ service }) => print(await service.create(readJson(file), cliName()))));
  cfg.command('update <id> <file>').action(async (id: string, file: string) => withService(async ({ service }) => print(await service.update(id, readJson(file), cliName()))));
  cfg.command('delete <id>').action(async (id: string) =>
    withService(async ({ service }) => {
      await service.delete(id, cliName());
      process.stdout.write(`config ${id} and its schedule deleted\n`);
    }),
  );
  cfg
    .command('history <id>')
    .option('--snapshots', 'include the full config of each version')
    .action(async (id: string, o: { snapshots?: boolean }) =>
      withService(async ({ stores }) => {
        const h = await stores.configHistory.of(id);
        if (h.length === 0) throw new Error(`no config with id ${id}`);
        print(h.map((e) => ({ version: e.version, action: e.action, by: e.keyName, at: e.at.toISOString(), changed: e.changed, ...(o.snapshots ? { snapshot: JSON.parse(e.snapshot) as unknown } : {}) })));
      }),
    );

  // The CLI reaches MongoDB directly, so it holds what the root key holds over HTTP.
  const secrets = program.command('secrets').description('values configs reference as ${secret::name} (stored encrypted, never printed)');
  secrets
    .command('set <name> <value>')
    .description("store or replace a secret; '-' reads the value from standard input")
    .action(async (name: string, value: string) =>
      withService(async ({ stores }) => {
        const v = value === '-' ? fs.readFileSync(0, 'utf8').trim() : value;
        if (!v) throw new Error(`secret ${name}: empty value`);
        await stores.secrets.set(name, v, cliName());
        process.stdout.write(`secret ${name} stored\n`);
      }),
    );
  secrets.command('list').action(async () =>
    withService(async ({ stores }) => {
      for (const s of await stores.secrets.names()) process.stdout.write(`${s.name.padEnd(32)} ${s.updatedAt}  ${s.updatedBy}\n`);
    }),
  );
  secrets.command('delete <name>').action(async (name: string) =>
    withService(async ({ stores }) => {
      if (!(await stores.secrets.delete(name))) throw new Error(`no secret named ${name}`);
      process.stdout.write(`secret ${name} deleted\n`);
    }),
  );
}
