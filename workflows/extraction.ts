import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ActivityFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import type { Checkpoint, ExtractionActivities, ParentRun, PreparedRun, RunSummary } from '../activities/extraction';
import { FailureType, SA, deploymentId, ids, providerQueue } from '../common/names';

/** Knobs the starter passes in from its settings (workflows read no settings). */
export interface ExtractionTuning {
  /** A page-fetching activity returns after about this long, at a part boundary. */
  batchSeconds: number;
  /** Heartbeat timeout of the page-fetching activity: how soon a dead worker's batch resumes elsewhere. */
  heartbeatSeconds: number;
  /** Continue as new once the history has this many events (or when the server suggests it). */
  historyBudget: number;
}

export const DEFAULT_TUNING: ExtractionTuning = { batchSeconds: 10, heartbeatSeconds: 30, historyBudget: 2000 };

export interface ExtractRunInput {
  configId: string;
  extractionId: string;
  /** Names, for people reading the Web UI and alerts (the run itself works from the ids). */
  extractionName?: string;
  configName?: string;
  /** ISO start of the run: names the output file. */
  startedAt: string;
  tuning?: ExtractionTuning;
  /** A child extraction's: its parent's run in this config run (which succeeded) and how many records it wrote. */
  parent?: ParentRun;
  /** Carried across continueAsNew. */
  carry?: { prepared: PreparedRun; checkpoint: Checkpoint; batches: number; generation: number };
}

export interface ExtractRunProgress {
  configId: string;
  extractionId: string;
  extractionName: string | null;
  /** s3://bucket/key of the file the run writes. */
  destination: string | null;
  status: 'preparing' | 'fetching' | 'publishing' | 'done' | 'failed';
  pages: number;
  records: number;
  bytes: number;
  parts: number;
  batches: number;
  cursor: string | null;
  error: string | null;
}

export const extractRunProgressQuery = defineQuery<ExtractRunProgress>('progress');

export interface ExtractConfigInput {
  configId: string;
  /** Only these extractions (ids or names); all when absent. */
  extractionIds?: string[];
  trigger?: 'manual' | 'schedule' | 'api' | 'cli';
  tuning?: ExtractionTuning;
  /**
   * The deployment's main task queue, which suffixes run workflow ids outside production. Passed in rather than
   * read from workflowInfo() so a replay on another queue (Worker.runReplayHistories) schedules the same ids.
   */
  taskQueue?: string;
}

export interface ExtractConfigResult {
  configId: string;
  configName: string;
  runs: (RunSummary & { extractionId: string; extractionName: string })[];
}

export interface ExtractConfigProgress {
  configId: string;
  /** The extraction running now: query its workflow for pages and records. */
  current: { extractionId: string; extractionName: string; workflowId: string } | null;
  total: number;
  finished: ExtractConfigResult['runs'];
}

export const extractConfigProgressQuery = defineQuery<ExtractConfigProgress>('progress');

// Store and S3 calls (prepare also calls the token endpoint, hence the http queue): quick and idempotent.
const runCalls = (): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, 'http'),
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: [FailureType.Invalid, FailureType.AuthRevoked] },
});

// Page batches: long-running, alive by heartbeat; a dead worker's batch resumes from its last part after
// heartbeatSeconds. 429s wait for Retry-After (nextRetryDelay), 5xx back off; invalid answers never retry.
const pageCalls = (t: ExtractionTuning): ActivityOptions => ({
  taskQueue: providerQueue(workflowInfo().taskQueue, 'http'),
  startToCloseTimeout: '12h',
  heartbeatTimeout: `${t.heartbeatSeconds}s`,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30, nonRetryableErrorTypes: [FailureType.Invalid, FailureType.AuthRevoked, FailureType.AuthExpired] },
});

// Publishing and logging: S3 and MongoDB, retried for a while so a blip does not lose a finished run.
const finishCalls: ActivityOptions = {
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 20 },
};

const alertCalls: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '1m', maximumAttempts: 5 },
};

function messageOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * One run of one extraction: prepare (config snapshot, token, multipart upload), page batches until the
 * pagination ends, then publish the file and write the run log. Page bodies never enter the history: batches
 * return checkpoints (pagination and writer state, part ETags) and counts. Continues as new when the history grows.
 */
export async function extractRun(input: ExtractRunInput): Promise<RunSummary> {
  const tuning = input.tuning ?? DEFAULT_TUNING;
  const runWorkflowId = workflowInfo().workflowId;
  const { prepareRun } = proxyActivities<ExtractionActivities>(runCalls());
  const { fetchPages } = proxyActivities<ExtractionActivities>(pageCalls(tuning));
  const { completeRun, failRun } = proxyActivities<ExtractionActivities>(finishCalls);
  const { sendAlert } = proxyActivities<AlertActivities>(alertCalls);

  const progress: ExtractRunProgress = {
    configId: input.configId,
    extractionId: input.extractionId,
    extractionName: input.carry?.prepared.extractionName ?? input.extractionName ?? null,
    destination: input.carry?.prepared.destination ?? null,
    status: input.carry ? 'fetching' : 'preparing',
    pages: input.carry?.checkpoint.page.pages ?? 0,
    records: input.carry?.checkpoint.writer.records ?? 0,
    bytes: input.carry?.checkpoint.writer.bytes ?? 0,
    parts: input.carry?.checkpoint.parts.length ?? 0,
    batches: input.carry?.batches ?? 0,
    cursor: null,
    error: null,
  };
  setHandler(extractRunProgressQuery, () => progress);
  const show = (): void =>
    setCurrentDetails(
      `**${progress.extractionName ?? input.extractionId}** ${progress.status}: ${progress.records} records, ${progress.pages} pages, ` +
        `${(progress.bytes / 1048576).toFixed(1)} MiB in ${progress.parts} parts${progress.cursor ? `; at ${progress.cursor}` : ''}` +
        (progress.destination ? `\n\n-> ${progress.destination}` : ''),
    );

  let checkpoint: Checkpoint | null = input.carry?.checkpoint ?? null;
  try {
    const prepared = input.carry?.prepared ?? (await prepareRun({ configId: input.configId, extractionId: input.extractionId, runWorkflowId, startedAt: input.startedAt, ...(input.parent ? { parent: input.parent } : {}) }));
    progress.extractionName = prepared.extractionName;
    progress.destination = prepared.destination;
    progress.status = 'fetching';
    show();
    let batches = input.carry?.batches ?? 0;
    for (;;) {
      const r = await fetchPages({ runWorkflowId, checkpoint, budgetMs: tuning.batchSeconds * 1000 });
      checkpoint = r.checkpoint;
      batches++;
      Object.assign(progress, {
        pages: r.checkpoint.page.pages,
        records: r.checkpoint.writer.records,
        bytes: r.checkpoint.writer.bytes,
        parts: r.checkpoint.parts.length,
        batches,
        cursor: r.cursor,
      });
      show();
      if (r.done) break;
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > tuning.historyBudget) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof extractRun>({ ...input, carry: { prepared, checkpoint, batches, generation: (input.carry?.generation ?? 0) + 1 } });
      }
    }
    progress.status = 'publishing';
    show();
    const summary = await completeRun({ runWorkflowId, configId: input.configId, extractionId: input.extractionId, startedAt: input.startedAt, checkpoint });
    progress.status = 'done';
    show();
    return summary;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const message = isCancellation(err) ? 'cancelled' : messageOf(err);
    progress.status = 'failed';
    progress.error = message;
    show();
    // Abort the upload and log the failure even when the run was cancelled.
    const failed = await CancellationScope.nonCancellable(() =>
      failRun({ runWorkflowId, configId: input.configId, extractionId: input.extractionId, startedAt: input.startedAt, checkpoint, error: message }),
    );
    if (isCancellation(err)) throw err;
    // An operator's cancellation is not worth an e-mail; a failure is. Added after runs were recorded, hence the
    // patch marker (histories without it replay without the alert).
    if (patched('extract-failure-alert')) {
      await sendAlert({
        subject: `extraction ${progress.extractionName ?? input.extractionId} of config ${input.configName ?? input.configId} failed`,
        text:
          (failed.partial
            ? `The extraction run ${runWorkflowId} failed after ${failed.pages} page(s); the ${failed.records} record(s) it had fetched were ` +
              `published as a partial file, ${failed.destination ?? ''}, and the next run goes on after them (last:: moved).`
            : `The extraction run ${runWorkflowId} failed after ${progress.pages} page(s) and ${progress.records} record(s); ` + `nothing was published and last:: did not move.`) +
          `\n\n${message}\n\nRun log: switchyard extract logs ${input.extractionId}`,
      }).catch(() => undefined); // a mail server outage must not hide the run's own failure
    }
    // The summary rides along, so the config's result shows what a partial run published.
    throw ApplicationFailure.create({ type: FailureType.ExtractionFailed, message, nonRetryable: true, details: [failed] });
  }
}

/**
 * `extract:<configId>:<extractionId>:<ms>[:<parent run>]`, suffixed with the task queue outside the production
 * deployment. Two config runs of one config (its schedule and a manual run) can start an extraction in the same
 * millisecond: the parent run's own random part keeps their children apart.
 */
export function extractRunWorkflowId(taskQueue: string, configId: string, extractionId: string, at: number, parentRunId?: string): string {
  return deploymentId(taskQueue, ids.extractRun(configId, extractionId, at, parentRunId === undefined ? undefined : parentRunId.replace(/-/g, '').slice(-12)));
}

/**
 * Runs every extraction of a config (or the ones asked for), one after the other, each as its own extractRun
 * child, and reports each one's outcome. A failed extraction does not stop the others, except its children
 * (extractions with `parent`): they run after it and read its records, so they are not run, and logged as failed.
 */
export async function extractConfig(input: ExtractConfigInput): Promise<ExtractConfigResult> {
  const { describeConfig, failRun } = proxyActivities<ExtractionActivities>(finishCalls);
  const plan = await describeConfig({ configId: input.configId, ...(input.extractionIds ? { extractionIds: input.extractionIds } : {}) });
  const progress: ExtractConfigProgress = { configId: input.configId, current: null, total: plan.extractions.length, finished: [] };
  setHandler(extractConfigProgressQuery, () => progress);
  for (const ex of plan.extractions) {
    const at = Date.now();
    // Runs started before children ids named their parent run keep the ids their histories hold.
    const parentRunId = patched('extract-run-id-names-parent-run') ? workflowInfo().runId : undefined;
    const workflowId = extractRunWorkflowId(input.taskQueue ?? workflowInfo().taskQueue, input.configId, ex.id, at, parentRunId);
    progress.current = { extractionId: ex.id, extractionName: ex.name, workflowId };
    setCurrentDetails(`**${plan.name}**: extraction ${progress.finished.length + 1} of ${plan.extractions.length}, ${ex.name} (${workflowId})`);
    // Plans described before parents existed have none: their runs take the same path as ever.
    const parentRun = ex.parent === undefined ? undefined : progress.finished.find((r) => r.extractionId === ex.parent);
    if (ex.parent !== undefined && !parentRun?.success) {
      const parentName = parentRun?.extractionName ?? plan.extractions.find((e) => e.id === ex.parent)?.name ?? ex.parent;
      const error = `not run: its parent extraction ${parentName} ${parentRun ? 'failed' : 'did not run'} in this config run`;
      const logged = await failRun({ runWorkflowId: workflowId, configId: input.configId, extractionId: ex.id, startedAt: new Date(at).toISOString(), checkpoint: null, error });
      progress.finished.push({ ...logged, error, extractionId: ex.id, extractionName: ex.name });
      continue;
    }
    try {
      const summary = await executeChild(extractRun, {
        workflowId,
        args: [
          {
            configId: input.configId,
            extractionId: ex.id,
            extractionName: ex.name,
            configName: plan.name,
            startedAt: new Date(at).toISOString(),
            ...(input.tuning ? { tuning: input.tuning } : {}),
            ...(parentRun ? { parent: { runWorkflowId: parentRun.runWorkflowId, records: parentRun.records } } : {}),
          },
        ],
        typedSearchAttributes: [{ key: SA.configId, value: input.configId }],
      });
      progress.finished.push({ ...summary, extractionId: ex.id, extractionName: ex.name });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failed = err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as RunSummary | undefined) : undefined;
      progress.finished.push({
        ...(failed ?? { runWorkflowId: workflowId, success: false, records: 0, pages: 0, bytes: 0, destination: null }),
        error: messageOf(err),
        extractionId: ex.id,
        extractionName: ex.name,
      });
    }
  }
  progress.current = null;
  const ok = progress.finished.filter((r) => r.success).length;
  setCurrentDetails(`**${plan.name}**: ${ok} of ${plan.extractions.length} extractions succeeded`);
  return { configId: input.configId, configName: plan.name, runs: progress.finished };
}
