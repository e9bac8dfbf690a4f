import { MongoClient, type Db } from 'mongodb';
import { mongoDbName, type Settings } from '../config';

export interface Mongo {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** One client per process, built by the process entry point and passed down. */
export async function connectMongo(settings: Pick<Settings, 'MONGODB_URI'>, dbName?: string): Promise<Mongo> {
  const client = new MongoClient(settings.MONGODB_URI, { serverSelectionTimeoutMS: 5000, appName: 'switchyard' });
  await client.connect();
  const db = client.db(dbName ?? mongoDbName(settings as Settings));
  return { client, db, close: () => client.close() };
}
