import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../../workers/worker';
import * as workflows from '../../../workflows';
import { historyFromPlain, readRecordedHistories } from '../../helpers/histories';

// Histories recorded from real runs of the workflow tests (test/histories/README.md), replayed with the workflow
// code of this checkout: a change that a running workflow could not follow (another command where the history has
// one, an activity or timer added or moved without patched()) fails here. Replay needs no server, only a bundle.
const recorded = readRecordedHistories();
// The replay workers' state changes are INFO lines; only problems are worth printing here.
Runtime.install({ logger: new DefaultLogger('WARN') });

describe('recorded workflow histories', () => {
  it('cover every workflow type the worker registers, and a continue-as-new chain of the bulk refresh and of an extraction run', () => {
    const types = new Set(recorded.map((r) => r.workflowType));
    expect([...Object.keys(workflows)].filter((t) => !types.has(t))).toEqual([]);
    expect(recorded.filter((r) => r.workflowType === 'refreshAllTokens').length).toBeGreaterThanOrEqual(2);
    expect(recorded.filter((r) => r.workflowType === 'extractRun' && r.file.startsWith('extract-run-continue-as-new.')).length).toBeGreaterThanOrEqual(2);
  });

  it('replay with the current workflow code', async () => {
    const failures: string[] = [];
    const replayed: string[] = [];
    const histories = recorded.map((r) => ({ workflowId: r.workflowId, history: historyFromPlain(r.history) }));
    // Bundled here from workflows/index.ts, as a worker without a prebuilt bundle does.
    for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'recorded-histories' }, histories)) {
      const file = recorded[replayed.length]!.file;
      replayed.push(file);
      if (result.error) failures.push(`${file}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toEqual(recorded.map((r) => r.file));
  }, 180_000);

  it('fail to replay when the workflow code is not the code that ran them', async () => {
    // The retried extraction run's history, as if a refreshToken had made it: the commands differ from the first task.
    const run = recorded.find((r) => r.file === 'extract-run-retried.json')!;
    const history = historyFromPlain(run.history);
    history.events[0]!.workflowExecutionStartedEventAttributes!.workflowType!.name = 'refreshToken';
    const errors: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'changed-workflow' }, [{ workflowId: run.workflowId, history }])) {
      errors.push(result.error?.name ?? 'none');
    }
    expect(errors).toEqual(['DeterminismViolationError']);
  }, 180_000);
});
