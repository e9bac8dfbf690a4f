import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest';

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader understands.
 * A suite's own errors count as failures too: a beforeAll that threw (its tests then show as skipped), an
 * afterAll that threw (where checks over the whole file, like the secret scans, live), a file that failed to
 * load. Each is named on a line of its own above the summary.
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const hookFailures: string[] = [];
    const walk = (task: RunnerTask, where: string): void => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') counts.passed++;
        else if (state === 'fail') counts.failed++;
        else counts.skipped++;
        return;
      }
      const name = where ? `${where} > ${task.name}` : task.name;
      for (const err of task.result?.errors ?? []) {
        counts.failed++;
        hookFailures.push(`${name}: ${err.message.split('\n')[0] ?? ''}`);
      }
      if ('tasks' in task) for (const t of task.tasks) walk(t, name);
    };
    for (const f of files) walk(f, '');
    const named = hookFailures.map((h) => `failed outside a test: ${h}\n`).join('');
    process.stdout.write(`\n${named}${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
