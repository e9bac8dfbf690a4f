import type { S3Client } from '@aws-sdk/client-s3';
import type { Db } from 'mongodb';
import type { Settings } from '../config';
import { createSmokeActivities } from './smoke';

/** What activities need from the outside world; only the worker builds the real ones. */
export interface ActivityDeps {
  settings: Settings;
  db: Db;
  s3: S3Client;
}

/** Every activity the worker registers on the main task queue. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
