import type { Client } from '@temporalio/client';
import { loadSettings, type Settings } from '../../config';
import { openStores, type Stores } from '../../store';
import { connectMongo } from '../../store/mongo';
import { connectTemporal } from '../temporal';
import { stringifyJson } from '../../extraction/json';

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

export interface CommandContext {
  settings: Settings;
  stores: Stores;
  /** The Temporal client, connected on first use (a command that does not need Temporal runs without it). */
  temporal(): Promise<Client>;
}

/** Runs a command with the settings, every store and the Temporal client on first use; closes both afterwards. */
export async function withContext<T>(fn: (ctx: CommandContext) => Promise<T>): Promise<T> {
  return withStores(async (stores, settings) => {
    let conn: Promise<{ client: Client; close(): Promise<void> }> | undefined;
    try {
      return await fn({ settings, stores, temporal: async () => (await (conn ??= connectTemporal(settings))).client });
    } finally {
      if (conn) await (await conn).close().catch(() => undefined);
    }
  });
}

/** A command's answer, as indented JSON on standard output. */
export function print(value: unknown): void {
  // A run log's last record may hold integers past 2^53 (bigint): written as their digits.
  process.stdout.write(`${stringifyJson(value, 2)}\n`);
}
