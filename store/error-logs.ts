import type { Collection, Db } from 'mongodb';

/** One failure, as the seeds' logs table kept them, plus where in Temporal it happened. */
export interface ErrorLogDoc {
  at: Date;
  source: string;
  provider: string | null;
  accountId: string | null;
  kind: string;
  message: string;
  workflowId: string | null;
  runId: string | null;
  details: Record<string, unknown> | null;
}

/** The `error_logs` collection. Messages never contain tokens: they come from ProviderError texts. */
export class ErrorLogStore {
  private readonly col: Collection<ErrorLogDoc>;

  constructor(db: Db) {
    this.col = db.collection<ErrorLogDoc>('error_logs');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ at: -1 }, { name: 'at' });
    await this.col.createIndex({ accountId: 1, at: -1 }, { name: 'account_at' });
  }

  async add(entry: Omit<ErrorLogDoc, 'at'> & { at?: Date }): Promise<void> {
    await this.col.insertOne({ ...entry, at: entry.at ?? new Date() });
  }

  async list(filter: { accountId?: string; source?: string; limit?: number } = {}): Promise<ErrorLogDoc[]> {
    const q: Record<string, unknown> = {};
    if (filter.accountId) q.accountId = filter.accountId;
    if (filter.source) q.source = filter.source;
    return this.col.find(q, { projection: { _id: 0 } }).sort({ at: -1 }).limit(filter.limit ?? 100).toArray();
  }
}
