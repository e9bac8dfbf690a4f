import { pullSide } from './pull';
import { planCycle } from './plan';
import { pushBatch } from './push';
import { finishCycle, reportSyncProblem, startCycle } from './cycle';
import { providerCall } from '../failures';
import type { ContactActivityDeps } from './deps';
import type { CycleInput, PlanInput, PullInput, PushInput, StartCycleInput, SyncProblem } from './types';

/**
 * Contact-sync activities, one job each: start a cycle, pull each side (on its provider's data queue), plan against
 * the links in MongoDB, push one batch (on its side's data queue), finish. They pass counts and ids only.
 */
export const createContactActivities = (deps: ContactActivityDeps) => ({
  startCycle: (input: StartCycleInput) => startCycle(deps, input),
  pullGoogle: (input: PullInput) => providerCall(() => pullSide(deps, 'google', input)),
  pullZoho: (input: PullInput) => providerCall(() => pullSide(deps, 'zoho', input)),
  planCycle: (input: PlanInput) => planCycle(deps, input),
  pushBatch: (input: PushInput) => providerCall(() => pushBatch(deps, input)),
  finishCycle: (input: CycleInput) => finishCycle(deps, input),
  reportSyncProblem: (input: SyncProblem) => reportSyncProblem(deps, input),
});

export type ContactActivities = ReturnType<typeof createContactActivities>;
export type { ContactActivityDeps, SideFactory } from './deps';
