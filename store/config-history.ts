import type { Collection, Db } from 'mongodb';

export interface ConfigHistoryDoc {
  configId: string;
  version: number;
  action: 'create' | 'update' | 'delete';
  /** Name of the API key (or `cli:<user>`) that made the change. */
  keyName: string;
  at: Date;
  /** JSON paths that differ from the previous version (create: every top-level key; delete: none). */
  changed: string[];
  /** Full JSON text of the config after the change (before it, for a delete). */
  snapshot: string;
}

/** `extract_config_history`: who changed which extraction config, when, what changed, and the full snapshot. */
export class ConfigHistoryStore {
  private readonly col: Collection<ConfigHistoryDoc>;

  constructor(db: Db) {
    this.col = db.collection<ConfigHistoryDoc>('extract_config_history');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ configId: 1, version: -1 }, { name: 'config_version' });
  }

  async record(entry: ConfigHistoryDoc): Promise<void> {
    await this.col.insertOne(entry);
  }

  /** A config's changes, newest first. */
  async of(configId: string, limit = 100): Promise<ConfigHistoryDoc[]> {
    return this.col.find({ configId }, { projection: { _id: 0 } }).sort({ version: -1 }).limit(limit).toArray();
  }
}
