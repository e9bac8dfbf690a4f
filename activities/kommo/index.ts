import { providerCall } from '../failures';
import { beginBatch, openMirror, startFullSync } from './begin';
import { commitBatch, reportMirrorProblem } from './commit';
import type { KommoActivityDeps } from './deps';
import { fetchBatch } from './fetch';
import { planBatch } from './plan';
import { pushBatch } from './push';
import type { BatchInput, BeginInput, CommitInput, MirrorInput, MirrorProblem } from './types';


/**
 * The Kommo mirror's activities, one job each. Store work on the main queue: open, start a full sync, begin a
 * batch, plan it, commit it. Provider work on the provider's data queue: fetch from Kommo (kommo-data), push to
 * Unisender (unisender). They pass ids and counts only. Their names are unique among every workflow's activities
 * (one worker registers them all).
 */
export const createKommoActivities = (deps: KommoActivityDeps) => ({
  openMirror: (input: MirrorInput) => openMirror(deps, input),
  startFullSync: (input: MirrorInput) => startFullSync(deps, input),
  beginMirrorBatch: (input: BeginInput) => beginBatch(deps, input),
  fetchMirrorBatch: (input: BatchInput) => providerCall(() => fetchBatch(deps, input)),
  planMirrorBatch: (input: BatchInput) => planBatch(deps, input),
  pushMirrorBatch: (input: BatchInput) => providerCall(() => pushBatch(deps, input)),
  commitMirrorBatch: (input: CommitInput) => commitBatch(deps, input),
  reportMirrorProblem: (input: MirrorProblem) => reportMirrorProblem(deps, input),
});

export type KommoActivities = ReturnType<typeof createKommoActivities>;
export type { KommoActivityDeps } from './deps';
