import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './errors';

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

/**
 * `refresh_leases`: one document per account refresh in flight, so refreshes of one account are serialised whatever
 * workflow asks. Taking a lease is an insert whose unique _id is the account id, an atomic compare-and-swap that
 * stays cheap however many accounts there are.
 */
export class RefreshLeaseStore {
  private readonly col: Collection<LeaseDoc>;

  constructor(db: Db) {
    this.col = db.collection<LeaseDoc>('refresh_leases');
  }

  /**
   * Takes the lease of an account when nobody holds it or the holder's lease lapsed; a retried attempt of the same
   * owner takes its own lease back. False when another owner holds it.
   */
  async acquire(accountId: string, owner: string, ttlMs: number): Promise<boolean> {
    const until = new Date(Date.now() + ttlMs);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.col.insertOne({ _id: accountId, owner, until });
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const held = await this.col.findOne({ _id: accountId });
      if (held && held.owner === owner) {
        await this.col.updateOne({ _id: accountId, owner }, { $set: { until } });
        return true;
      }
      if (held && held.until.getTime() > Date.now()) return false;
      // Lapsed: remove exactly that lease; if another taker removed it first, the insert race decides.
      if (held) await this.col.deleteOne({ _id: accountId, owner: held.owner, until: held.until });
    }
    return false;
  }

  /** When the current lease of an account lapses (null when none is held). */
  async until(accountId: string): Promise<Date | null> {
    return (await this.col.findOne({ _id: accountId }))?.until ?? null;
  }

  async release(accountId: string, owner: string): Promise<void> {
    await this.col.deleteOne({ _id: accountId, owner });
  }
}
