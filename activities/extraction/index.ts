import { extractionContext, type ExtractionActivityDeps } from './context';
import { createDescribeActivities } from './describe';
import { createFetchActivities } from './fetch';
import { createFinishActivities } from './finish';
import { createPrepareActivities } from './prepare';

export type { ExtractionActivityDeps } from './context';
export type * from './types';

/**
 * The REST extractor's activities, one module per job: prepare a run, fetch its pages, publish or fail it, describe
 * a config. Tokens and secrets stay here: a run's working state in MongoDB holds the access token encrypted, and
 * workflows pass run workflow ids, checkpoints (pagination and writer state, part ETags) and counts, never a page
 * body nor a credential.
 */
export const createExtractionActivities = (deps: ExtractionActivityDeps) => {
  const ctx = extractionContext(deps);
  return {
    ...createPrepareActivities(ctx),
    ...createFetchActivities(ctx),
    ...createFinishActivities(ctx),
    ...createDescribeActivities(ctx),
  };
};

export type ExtractionActivities = ReturnType<typeof createExtractionActivities>;
