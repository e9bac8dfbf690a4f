import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './errors';

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

/**
 * A lease this process took is released by its _id alone while it has at least this long left: nobody else can
 * take it before it lapses (clocks that differ by less than this allow for). Later, only a delete that also matches
 * the owner is safe, and the local MongoDB-wire server answers that one by reading every lease.
 */
const RELEASE_BY_ID_MARGIN_MS = 20_000;
/** Leases this process took and did not release are forgotten past this many (a holder that threw, say). */
const HELD_MAX = 10_000;

/**
 * `refresh_leases`: one document per account refresh in flight, so refreshes of one account are serialised whatever
 * workflow asks. Taking a lease is an insert whose unique _id is the account id, an atomic compare-and-swap that
 * stays cheap however many accounts there are.
 */
export class RefreshLeaseStore {
  private readonly col: Collection<LeaseDoc>;
  /** The leases this process holds: account id -> owner and lapse time, as written. */
  private readonly held = new Map<string, { owner: string; until: number }>();

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
        this.remember(accountId, owner, until);
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const held = await this.col.findOne({ _id: accountId });
      if (held && held.owner === owner) {
        await this.col.updateOne({ _id: accountId, owner }, { $set: { until } });
        this.remember(accountId, owner, until);
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
    const mine = this.held.get(accountId);
    if (mine?.owner === owner) this.held.delete(accountId);
    const safeById = mine?.owner === owner && Date.now() < mine.until - RELEASE_BY_ID_MARGIN_MS;
    await this.col.deleteOne(safeById ? { _id: accountId } : { _id: accountId, owner });
  }

  private remember(accountId: string, owner: string, until: Date): void {
    if (this.held.size >= HELD_MAX) {
      const now = Date.now();
      for (const [id, h] of this.held) if (h.until <= now) this.held.delete(id);
      if (this.held.size >= HELD_MAX) this.held.clear();
    }
    this.held.set(accountId, { owner, until: until.getTime() });
  }
}
