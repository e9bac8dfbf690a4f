import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Settings } from '../config';
import { refreshAllTokens, refreshToken, type Provider, type RefreshAllInput } from '../workflows/tokens';
import { SA, deploymentId, ids } from '../common/names';

/**
 * Starts (or joins) the single refresh of an account: the workflow id is the account's, and a request while one
 * runs attaches to that run instead of starting a second.
 */
export async function startRefreshToken(
  temporal: Client,
  settings: Settings,
  accountId: string,
  provider?: Provider,
  opts: { force?: boolean } = {},
): Promise<WorkflowHandle<typeof refreshToken>> {
  return temporal.workflow.start(refreshToken, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: deploymentId(settings.TEMPORAL_TASK_QUEUE, ids.refreshToken(accountId)),
    args: [{ accountId, ...(opts.force ? { force: true } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SA.accountId, value: accountId },
      ...(provider ? [{ key: SA.provider, value: provider }] : []),
    ],
  });
}

/** Starts a bulk refresh of a provider; one at a time per provider and mode (a second start joins the first). */
export async function startRefreshAll(temporal: Client, settings: Settings, input: RefreshAllInput): Promise<WorkflowHandle<typeof refreshAllTokens>> {
  const mode = input.expiringWithinMinutes !== undefined ? 'expiring' : 'all';
  return temporal.workflow.start(refreshAllTokens, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: deploymentId(settings.TEMPORAL_TASK_QUEUE, ids.refreshAll(input.provider, mode)),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: SA.provider, value: input.provider }],
  });
}
