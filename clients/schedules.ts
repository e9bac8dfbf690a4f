import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Settings } from '../config';
import { OAUTH_PROVIDERS, SA, configIdOfScheduleId, deploymentId, ids } from '../common/names';
import { normaliseCron } from '../extraction/cron';
import { extractConfig, type ExtractConfigInput, type ExtractionTuning } from '../workflows/extraction';
import { refreshAllTokens } from '../workflows/tokens';

/**
 * Every Temporal Schedule Switchyard keeps: the token refreshes of each provider, and one per extraction config.
 * Workflows are started by the typed function, so a renamed workflow is a compile error here, not a schedule
 * that fails at 03:00.
 */
const scheduleId = (settings: Pick<Settings, 'TEMPORAL_TASK_QUEUE'>, id: string): string => deploymentId(settings.TEMPORAL_TASK_QUEUE, id);

/** The schedules every deployment has: refresh tokens ahead of expiry every 10 minutes, and all of them nightly. */
export function tokenSchedules(settings: Settings): ScheduleOptions[] {
  return OAUTH_PROVIDERS.flatMap((provider): ScheduleOptions[] => [
    {
      scheduleId: scheduleId(settings, ids.refreshExpiringSchedule(provider)),
      spec: { intervals: [{ every: '10m' }] },
      action: {
        type: 'startWorkflow',
        workflowType: refreshAllTokens,
        workflowId: scheduleId(settings, ids.refreshAll(provider, 'expiring')),
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        args: [{ provider, expiringWithinMinutes: settings.TOKEN_REFRESH_MARGIN_MINUTES }],
        typedSearchAttributes: [{ key: SA.provider, value: provider }],
      },
      // A run still going when the next is due: skip, the running one covers it.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
      memo: { description: `Refresh ${provider} tokens expiring within ${settings.TOKEN_REFRESH_MARGIN_MINUTES} minutes` },
    },
    {
      scheduleId: scheduleId(settings, ids.refreshNightlySchedule(provider)),
      spec: { cronExpressions: ['0 3 * * *'] },
      action: {
        type: 'startWorkflow',
        workflowType: refreshAllTokens,
        workflowId: scheduleId(settings, ids.refreshAll(provider, 'all')),
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        args: [{ provider }],
        typedSearchAttributes: [{ key: SA.provider, value: provider }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      memo: { description: `Refresh every ${provider} token, nightly at 03:00 UTC` },
    },
  ]);
}

/** What a worker or a starter passes to extraction workflows from its settings (workflows read no settings). */
export const tuningFrom = (s: Settings): ExtractionTuning => ({ batchSeconds: s.EXTRACT_BATCH_SECONDS, heartbeatSeconds: s.EXTRACT_HEARTBEAT_SECONDS, historyBudget: 2000 });

export const configScheduleId = (settings: Settings, configId: string): string => scheduleId(settings, ids.extractSchedule(configId));

/** The config id of one of this deployment's extraction schedule ids, else null (another deployment's, or not an extraction's). */
export function configIdOfSchedule(settings: Settings, id: string): string | null {
  const configId = configIdOfScheduleId(id);
  return configId !== null && configScheduleId(settings, configId) === id ? configId : null;
}

/** The config's schedule: its own cron, else EXTRACT_DEFAULT_CRON; overlapping runs are skipped. */
export function configSchedule(settings: Settings, configId: string, cron: string | null): ScheduleOptions {
  const expression = cron ?? normaliseCron(settings.EXTRACT_DEFAULT_CRON);
  return {
    scheduleId: configScheduleId(settings, configId),
    spec: { cronExpressions: [expression] },
    action: {
      type: 'startWorkflow',
      workflowType: extractConfig,
      workflowId: scheduleId(settings, ids.extractConfig(configId)),
      taskQueue: settings.TEMPORAL_TASK_QUEUE,
      args: [{ configId, trigger: 'schedule', tuning: tuningFrom(settings), taskQueue: settings.TEMPORAL_TASK_QUEUE } satisfies ExtractConfigInput],
      typedSearchAttributes: [{ key: SA.configId, value: configId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    memo: { description: `Extraction config ${configId}` },
  };
}

/** Creates a schedule that does not exist, or brings it in step with its definition. */
async function ensureSchedule(temporal: Client, opts: ScheduleOptions): Promise<void> {
  const handle = temporal.schedule.getHandle(opts.scheduleId);
  try {
    await handle.describe();
    await handle.update((prev) => ({ ...prev, spec: opts.spec, action: opts.action as typeof prev.action, policies: { ...prev.policies, ...opts.policies } }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await temporal.schedule.create(opts).catch((e: { name?: string }) => {
      if (e.name !== 'ScheduleAlreadyRunning') throw e;
    });
  }
}

/**
 * Creates the schedules that do not exist and brings the others in step. Safe to call from every worker start:
 * concurrent callers converge on the same definitions. Throws the first failure.
 */
export async function ensureSchedules(temporal: Client, settings: Settings, schedules: ScheduleOptions[] = tokenSchedules(settings)): Promise<string[]> {
  for (const opts of schedules) await ensureSchedule(temporal, opts);
  return schedules.map((s) => s.scheduleId);
}

export async function deleteSchedule(temporal: Client, id: string): Promise<void> {
  await temporal.schedule
    .getHandle(id)
    .delete()
    .catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
}

export interface ReconcileResult {
  ensured: string[];
  deleted: string[];
  /** Schedules that could not be brought in step, with why; the others were not held back by them. */
  failed: { scheduleId: string; configId: string | null; error: string }[];
}

/**
 * Brings the schedules in step with the stored configs, for configs written or removed behind the API's back (a
 * restore, a script writing to MongoDB, a write while Temporal was down): every config gets its schedule, and this
 * deployment's extraction schedules whose config is gone are deleted. One config whose schedule fails (a cron that
 * Temporal refuses) is reported in `failed` and does not stop the others. Safe to run from several workers at once.
 */
export async function reconcileConfigSchedules(temporal: Client, settings: Settings, configs: { id: string; cron: string | null }[]): Promise<ReconcileResult> {
  const result: ReconcileResult = { ensured: [], deleted: [], failed: [] };
  const known = new Set<string>();
  for (const c of configs) {
    const id = configScheduleId(settings, c.id);
    known.add(id);
    try {
      await ensureSchedule(temporal, configSchedule(settings, c.id, c.cron));
      result.ensured.push(id);
    } catch (err) {
      result.failed.push({ scheduleId: id, configId: c.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  for await (const summary of temporal.schedule.list()) {
    const id = summary.scheduleId;
    if (known.has(id) || configIdOfSchedule(settings, id) === null) continue;
    try {
      await deleteSchedule(temporal, id);
      result.deleted.push(id);
    } catch (err) {
      result.failed.push({ scheduleId: id, configId: null, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}
