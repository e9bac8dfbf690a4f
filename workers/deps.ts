import type { Settings } from '../config';
import type { ActivityDeps } from '../activities';
import { connectMongo } from '../store/mongo';
import { s3Client } from '../store/s3';

/** Builds the real dependencies of the activities. Only worker processes call this. */
export async function buildActivityDeps(settings: Settings): Promise<{ deps: ActivityDeps; close(): Promise<void> }> {
  const mongo = await connectMongo(settings);
  const s3 = s3Client(settings);
  return {
    deps: { settings, db: mongo.db, s3 },
    close: async () => {
      s3.destroy();
      await mongo.close();
    },
  };
}
