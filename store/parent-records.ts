import type { Collection, Db } from 'mongodb';
import { parseJson, stringifyJson, type ParentValues } from '../extraction';
import { isDuplicateKey } from './errors';

/** One record of a parent extraction's run, as its children read it: the values they need, in the order written. */
interface ParentRecordDoc {
  /** `<run workflow id>#<seq>`: a record written again (a resumed attempt) is the same document. */
  _id: string;
  run: string;
  /** 0-based position of the record in the run's output. */
  seq: number;
  /** JSON text: records hold keys MongoDB refuses as field names (`owner.id`, `$currency_symbol`), and 64-bit ids. */
  values: string;
  at: Date;
}

/** Long enough for a config run's children to read them, even after retries; pruned by later parent runs. */
const KEEP_MS = 7 * 24 * 3600 * 1000;

/**
 * `extract_parent_records`: what the run of an extraction with children kept of each record it wrote. Insert-only
 * (FerretDB's updates cost O(collection)): a resumed attempt first drops what it is about to write again.
 */
export class ParentRecordStore {
  private readonly col: Collection<ParentRecordDoc>;

  constructor(db: Db) {
    this.col = db.collection<ParentRecordDoc>('extract_parent_records');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ run: 1, seq: 1 }, { name: 'run_seq' });
    // No TTL index: FerretDB does not implement expireAfterSeconds; prune() does its job.
    await this.col.createIndex({ at: 1 }, { name: 'at' });
  }

  /** Keeps the values of records `fromSeq`, `fromSeq + 1`, ... of a run. */
  async add(runWorkflowId: string, fromSeq: number, values: readonly ParentValues[]): Promise<void> {
    if (values.length === 0) return;
    const at = new Date();
    const docs = values.map((v, i): ParentRecordDoc => ({ _id: `${runWorkflowId}#${fromSeq + i}`, run: runWorkflowId, seq: fromSeq + i, values: stringifyJson(v), at }));
    try {
      await this.col.insertMany(docs, { ordered: false });
    } catch (err) {
      // An attempt the server gave up on that still writes: the records it wrote are the same ones.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Drops a run's records from `fromSeq` on: a resumed attempt writes them again, maybe as the API answers now. */
  async dropFrom(runWorkflowId: string, fromSeq: number): Promise<void> {
    await this.col.deleteMany({ run: runWorkflowId, seq: { $gte: fromSeq } });
  }

  /** Drops the records of every run kept longer than a week (their children have long run). */
  async prune(now: Date): Promise<void> {
    await this.col.deleteMany({ at: { $lt: new Date(now.getTime() - KEEP_MS) } });
  }

  /** Records `fromSeq` up to (not including) `toSeq` of a run, by seq; a missing one is absent from the map. */
  async range(runWorkflowId: string, fromSeq: number, toSeq: number): Promise<Map<number, ParentValues>> {
    const docs = await this.col.find({ run: runWorkflowId, seq: { $gte: fromSeq, $lt: toSeq } }).sort({ seq: 1 }).toArray();
    return new Map(docs.map((d) => [d.seq, parseJson(d.values) as ParentValues]));
  }
}
