import { prepareConfig } from '../../extraction';
import { newId } from '../../store/configs';
import { extractConfig } from '../../workflows';
import type { ExtractConfigResult, ExtractionTuning } from '../../workflows/extraction';
import { unique, type TestEnv } from './stack';

/** Stores a config like the API does (ids assigned), without a schedule. */
export async function addConfig(env: TestEnv, body: unknown): Promise<{ configId: string; extractionIds: string[] }> {
  const id = unique('cfg');
  const prepared = prepareConfig(body, id, null, newId);
  await env.deps.configs.insert({ id, ...prepared }, 'test');
  const stored = JSON.parse(prepared.json) as { extractions: { id: string }[] };
  return { configId: id, extractionIds: stored.extractions.map((e) => e.id) };
}

/** Runs a config's extractConfig to its end on the env's workers (which the caller runs), with quick tuning. */
export async function runConfig(env: TestEnv, configId: string, tuning: Partial<ExtractionTuning> = {}, workflowIds: string[] = []): Promise<ExtractConfigResult & { workflowId: string }> {
  const workflowId = unique(`extract-config-${configId}`);
  workflowIds.push(workflowId);
  const result = await env.client.workflow.execute(extractConfig, {
    taskQueue: env.taskQueue,
    workflowId,
    args: [{ configId, taskQueue: env.taskQueue, tuning: { batchSeconds: 1, heartbeatSeconds: 10, historyBudget: 2000, ...tuning } }],
  });
  for (const r of result.runs) workflowIds.push(r.runWorkflowId);
  return { ...result, workflowId };
}
