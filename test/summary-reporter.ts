import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest';

/** Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader understands. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const walk = (task: RunnerTask): void => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') counts.passed++;
        else if (state === 'fail') counts.failed++;
        else counts.skipped++;
      } else if ('tasks' in task) task.tasks.forEach(walk);
    };
    files.forEach(walk);
    // A file that failed to load has no tests but is a failure all the same.
    counts.failed += files.filter((f) => f.result?.state === 'fail' && f.tasks.length === 0).length;
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
