import { Command } from 'commander';
import { loadSettings, temporalUiUrl } from '../../config';
import { checkReachability } from '../health';
import { connectClient } from '../temporal';

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
        const { client, close } = await connectClient(settings);
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

  return program;
}

if (require.main === module || process.argv[1]?.endsWith('switchyard.js') || process.argv[1]?.endsWith('switchyard')) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`switchyard: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
