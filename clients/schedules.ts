import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Settings } from '../config';
import { OAUTH_PROVIDERS, SA, ids } from '../common/names';
import { refreshAllTokens } from '../workflows/tokens';
import { deploymentWorkflowId } from './tokens';

/** The schedules every deployment has: refresh tokens ahead of expiry every 10 minutes, and all of them nightly. */
export function tokenSchedules(settings: Settings): ScheduleOptions[] {
  return OAUTH_PROVIDERS.flatMap((provider): ScheduleOptions[] => [
    {
      scheduleId: deploymentWorkflowId(settings, ids.refreshExpiringSchedule(provider)),
      spec: { intervals: [{ every: '10m' }] },
      action: {
        type: 'startWorkflow',
        workflowType: refreshAllTokens,
        workflowId: deploymentWorkflowId(settings, ids.refreshAll(provider, 'expiring')),
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        args: [{ provider, expiringWithinMinutes: settings.TOKEN_REFRESH_MARGIN_MINUTES }],
        typedSearchAttributes: [{ key: SA.provider, value: provider }],
      },
      // A run still going when the next is due: skip, the running one covers it.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
      memo: { description: `Refresh ${provider} tokens expiring within ${settings.TOKEN_REFRESH_MARGIN_MINUTES} minutes` },
    },
    {
      scheduleId: deploymentWorkflowId(settings, ids.refreshNightlySchedule(provider)),
      spec: { cronExpressions: ['0 3 * * *'] },
      action: {
        type: 'startWorkflow',
        workflowType: refreshAllTokens,
        workflowId: deploymentWorkflowId(settings, ids.refreshAll(provider, 'all')),
        taskQueue: settings.TEMPORAL_TASK_QUEUE,
        args: [{ provider }],
        typedSearchAttributes: [{ key: SA.provider, value: provider }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      memo: { description: `Refresh every ${provider} token, nightly at 03:00 UTC` },
    },
  ]);
}

/**
 * Creates the schedules that do not exist and brings the others in step with the settings. Safe to call from
 * every worker start: concurrent callers converge on the same definitions.
 */
export async function ensureSchedules(client: Client, settings: Settings, schedules: ScheduleOptions[] = tokenSchedules(settings)): Promise<string[]> {
  const ids: string[] = [];
  for (const opts of schedules) {
    const handle = client.schedule.getHandle(opts.scheduleId);
    try {
      await handle.describe();
      await handle.update((prev) => ({ ...prev, spec: opts.spec, action: opts.action as typeof prev.action, policies: { ...prev.policies, ...opts.policies } }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create(opts).catch((e: { name?: string }) => {
        if (e.name !== 'ScheduleAlreadyRunning') throw e;
      });
    }
    ids.push(opts.scheduleId);
  }
  return ids;
}
