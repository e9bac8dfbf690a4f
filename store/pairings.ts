import type { Collection, Db } from 'mongodb';
import type { SyncPolicy } from '../sync';

/** Where a pairing writes on the Zoho side. */
export type PairingTarget =
  /** CRM Contacts owned by one CRM user (the account's loginUserUsuario): only that user's contacts are synced. */
  | { kind: 'crm'; ownerId: string | null }
  /** A Zoho Creator form (writes) and the report that lists it (reads). */
  | { kind: 'creator'; owner: string; app: string; form: string; report: string };

/** Where each side's incremental listing resumes, committed only at the end of a cycle whose writes all went through. */
export interface PairingCursors {
  /** Google's sync token (valid 7 days after its full listing). */
  google: string | null;
  googleFullAt: Date | null;
  /** The newest Zoho Modified_Time seen, the next listing's lower bound (minus an overlap). */
  zoho: string | null;
  /** When the last complete Zoho listing ended (Creator finds deletions only from one). */
  zohoFullAt: Date | null;
}

/** A Google account paired with a Zoho target, in `sync_pairings`: what to sync and how. */
export interface PairingDoc {
  _id: string;
  googleAccountId: string;
  zohoAccountId: string;
  target: PairingTarget;
  /** The field mapping as given (validated by parseFieldMapping on write). */
  mapping: Record<string, unknown>;
  policy: SyncPolicy;
  intervalSeconds: number;
  /** Google clientData key holding our link id: one per pairing, so two pairings of one account never clash. */
  linkIdKey: string;
  cursors: PairingCursors;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export class PairingNotFound extends Error {
  constructor(readonly pairingId: string) {
    super(`no pairing with id ${pairingId}`);
    this.name = 'PairingNotFound';
  }
}

export const NO_CURSORS: PairingCursors = { google: null, googleFullAt: null, zoho: null, zohoFullAt: null };

/** The `sync_pairings` collection. Read by _id on every cycle; written on changes and once per cycle (cursors). */
export class PairingStore {
  private readonly pairings: Collection<PairingDoc>;

  constructor(db: Db) {
    this.pairings = db.collection<PairingDoc>('sync_pairings');
  }

  async ensureIndexes(): Promise<void> {
    await this.pairings.createIndex({ googleAccountId: 1 }, { name: 'google_account' });
    await this.pairings.createIndex({ zohoAccountId: 1 }, { name: 'zoho_account' });
  }

  async insert(doc: Omit<PairingDoc, 'createdAt' | 'updatedAt' | 'cursors'>): Promise<PairingDoc> {
    const now = new Date();
    const stored: PairingDoc = { ...doc, cursors: { ...NO_CURSORS }, createdAt: now, updatedAt: now };
    await this.pairings.insertOne(stored);
    return stored;
  }

  async find(id: string): Promise<PairingDoc | null> {
    return this.pairings.findOne({ _id: id });
  }

  async get(id: string): Promise<PairingDoc> {
    const doc = await this.find(id);
    if (!doc) throw new PairingNotFound(id);
    return doc;
  }

  async list(q: { limit: number; afterId?: string }): Promise<PairingDoc[]> {
    return this.pairings
      .find(q.afterId ? { _id: { $gt: q.afterId } } : {})
      .sort({ _id: 1 })
      .limit(q.limit)
      .toArray();
  }

  /** Changes what to sync and how; cursors are kept (a mapping change takes effect on records as they change). */
  async update(id: string, set: Partial<Pick<PairingDoc, 'mapping' | 'policy' | 'intervalSeconds' | 'target'>>, by: string): Promise<PairingDoc> {
    const res = await this.pairings.findOneAndUpdate({ _id: id }, { $set: { ...set, updatedAt: new Date(), updatedBy: by } }, { returnDocument: 'after' });
    if (!res) throw new PairingNotFound(id);
    return res;
  }

  async setCursors(id: string, cursors: PairingCursors): Promise<void> {
    await this.pairings.updateOne({ _id: id }, { $set: { cursors } });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.pairings.deleteOne({ _id: id })).deletedCount === 1;
  }
}
