import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Settings } from '../config';
import { refreshAllTokens, refreshToken, type Provider, type RefreshAllInput } from '../workflows/tokens';
import { SA, deploymentId, ids } from '../common/names';

/**
 * Workflow ids are meaningful and stable (`token-refresh:<accountId>`), so a second request joins the first.
 * A deployment on another main task queue (a test run, a staging worker set on the same namespace) gets its
 * own ids, `<id>@<queue>`, so it never joins a run whose workers are elsewhere.
 */
export function deploymentWorkflowId(settings: Pick<Settings, 'TEMPORAL_TASK_QUEUE'>, id: string): string {
  return deploymentId(settings.TEMPORAL_TASK_QUEUE, id);
}

export const refreshTokenWorkflowId = (settings: Pick<Settings, 'TEMPORAL_TASK_QUEUE'>, accountId: string): string =>
  deploymentWorkflowId(settings, ids.refreshToken(accountId));

/**
 * Starts (or joins) the single refresh of an account: the workflow id is the account's, and a request while one
 * runs attaches to that run instead of starting a second.
 */
export async function startRefreshToken(
  client: Client,
  settings: Settings,
  accountId: string,
  provider?: Provider,
  opts: { force?: boolean } = {},
): Promise<WorkflowHandle<typeof refreshToken>> {
  return client.workflow.start(refreshToken, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: refreshTokenWorkflowId(settings, accountId),
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
export async function startRefreshAll(client: Client, settings: Settings, input: RefreshAllInput): Promise<WorkflowHandle<typeof refreshAllTokens>> {
  const mode = input.expiringWithinMinutes !== undefined ? 'expiring' : 'all';
  return client.workflow.start(refreshAllTokens, {
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    workflowId: deploymentWorkflowId(settings, ids.refreshAll(input.provider, mode)),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: SA.provider, value: input.provider }],
  });
}
