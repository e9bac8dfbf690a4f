import type { Collection, Db } from 'mongodb';
import type { RunLog } from '../extraction';
import { parseJson, stringifyJson } from '../extraction/json';
import { isDuplicateKey } from './errors';

/**
 * A run log as stored: the seed's fields, `last` as JSON text (records hold keys such as `$currency_symbol`, which
 * MongoDB-wire servers refuse as field names; read back with integers past 2^53 as bigint, exact). `_id` is the run's workflow id, so retries insert once.
 */
interface RunLogDoc extends Omit<RunLog, 'last' | 'created_at'> {
  _id: string;
  last: string | null;
  created_at: Date;
}

function fromDoc(d: RunLogDoc): RunLog {
  const { _id, last, created_at, ...rest } = d;
  // Logs written before partial runs (or column lists, or filters) existed have no `partial` (or `columns`, `data_filtered_len`).
  return { ...rest, partial: rest.partial ?? false, columns: rest.columns ?? null, dropped_columns: rest.dropped_columns ?? [], data_filtered_len: rest.data_filtered_len ?? 0, incremental: rest.incremental ?? null, last: last === null ? null : parseJson(last), created_at: created_at.toISOString() };
}

/** `extract_run_logs`: one entry per finished extraction run, the seed's logs table. */
export class RunLogStore {
  private readonly col: Collection<RunLogDoc>;

  constructor(db: Db) {
    this.col = db.collection<RunLogDoc>('extract_run_logs');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ extraction_id: 1, created_at: -1 }, { name: 'extraction_created' });
  }

  /** Inserts a run log once per run (its workflow id); a retried insert is a no-op. */
  async add(log: RunLog): Promise<void> {
    const { last, created_at, ...rest } = log;
    try {
      await this.col.insertOne({ ...rest, _id: log.workflow_id, last: last === null || last === undefined ? null : stringifyJson(last), created_at: new Date(created_at) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** The log of one run, by its workflow id, or null. */
  async find(runWorkflowId: string): Promise<RunLog | null> {
    const doc = await this.col.findOne({ _id: runWorkflowId });
    return doc && fromDoc(doc);
  }

  /** An extraction's run logs, newest first. */
  async of(extractionId: string, limit = 50): Promise<RunLog[]> {
    const docs = await this.col.find({ extraction_id: extractionId }).sort({ created_at: -1 }).limit(limit).toArray();
    return docs.map(fromDoc);
  }

  /**
   * What the next run of an extraction starts from, read from its newest run that published records (successful or
   * partial): `last` (its last raw record) and its incremental cursor, each as JSON text, null when none.
   */
  async startOf(extractionId: string): Promise<{ last: string | null; incremental: string | null }> {
    const doc = await this.col.find({ extraction_id: extractionId, $or: [{ success: true }, { partial: true }] }).sort({ created_at: -1 }).limit(1).next();
    return { last: doc?.last ?? null, incremental: doc?.incremental ? JSON.stringify(doc.incremental) : null };
  }
}
