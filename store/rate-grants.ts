import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import { isDuplicateKey } from './errors';

interface GrantDoc {
  /** `<scope>:<epoch second>:<chunk>`, the second zero-padded so that grants sort by time. */
  _id: string;
  owner: string;
}

const SECOND_DIGITS = 11;
const grantId = (scope: string, second: number, chunk: number): string => `${scope}:${String(second).padStart(SECOND_DIGITS, '0')}:${chunk}`;

/**
 * `rate_grants`: the calls to a rate-limited endpoint, in numbered chunks of each calendar second (how many calls a
 * chunk allows is the caller's business: activities/rate-gate.ts). A chunk is taken by inserting its unique _id,
 * which the database allows once whatever the number of worker processes: that is what holds a provider's "N
 * requests a second" exactly across every worker, where Temporal's task-queue limiter (a token bucket) lets short
 * bursts of about twice the rate through. No counter is updated: an insert of a new _id is the one compare-and-swap
 * every MongoDB-wire server serves atomically and fast.
 */
export class RateGrantStore {
  private readonly col: Collection<GrantDoc>;

  constructor(db: Db) {
    this.col = db.collection<GrantDoc>('rate_grants');
  }

  /** Takes what it can of `chunks` of `second` for `scope`, in one round trip; answers the chunks taken. */
  async claim(scope: string, second: number, chunks: number[], owner: string): Promise<number[]> {
    if (chunks.length === 0) return [];
    const docs = chunks.map((chunk) => ({ _id: grantId(scope, second, chunk), owner }));
    try {
      await this.col.insertMany(docs, { ordered: false });
      return chunks;
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      const taken = new Set<number>();
      for (const e of errors) {
        if (!isDuplicateKey(e)) throw err;
        taken.add(e.index);
      }
      return chunks.filter((_, i) => !taken.has(i));
    }
  }

  /** Drops the grants of `scope` before `second` (FerretDB has no TTL indexes). */
  async prune(scope: string, second: number): Promise<void> {
    await this.col.deleteMany({ _id: { $gte: `${scope}:`, $lt: grantId(scope, second, 0) } });
  }
}
