import { loadSettings, type Settings } from '../../config';
import { openStores, type Stores } from '../../store';
import { connectMongo } from '../../store/mongo';

/** Runs a command with the settings and every store on one MongoDB connection, closed afterwards. */
export async function withStores<T>(fn: (stores: Stores, settings: Settings) => Promise<T>): Promise<T> {
  const settings = loadSettings();
  const mongo = await connectMongo(settings);
  try {
    return await fn(await openStores(mongo.db, settings), settings);
  } finally {
    await mongo.close();
  }
}

/** A command's answer, as indented JSON on standard output. */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
