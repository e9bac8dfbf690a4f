import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './errors';

/**
 * One committed token change, in `token_journal`: `_id` is `<accountId>#<version>`, so inserting it is the
 * compare-and-swap on the account's token version (only one writer can claim a version), and an insert is
 * cheap on any MongoDB-wire server whatever the number of accounts. `set` lists the account fields it changes
 * (dotted paths); it is applied to the account right after, and re-applied by the next reader if the writer died
 * in between, so a committed token (a rotated Kommo pair above all) is never lost once the insert succeeded.
 */
export interface TokenJournalDoc {
  _id: string;
  accountId: string;
  version: number;
  kind: 'refresh' | 'reconnect';
  /** The lease owner (activity attempt) that wrote it; a retry of that attempt recognises its own entry. */
  owner: string | null;
  at: Date;
  set: { path: string; value: unknown }[];
}

const journalId = (accountId: string, version: number): string => `${accountId}#${version}`;

/** The token journal; the account repository (store/accounts.ts) commits through it and applies what it holds. */
export class TokenJournalStore {
  private readonly col: Collection<TokenJournalDoc>;

  constructor(db: Db) {
    this.col = db.collection<TokenJournalDoc>('token_journal');
  }

  /**
   * Claims `entry.version` of an account's tokens: the entry when this call claimed it, or when the same (non-null)
   * owner claimed it before a retry; null when another writer has it.
   */
  async claim(entry: Omit<TokenJournalDoc, '_id'>): Promise<TokenJournalDoc | null> {
    const doc: TokenJournalDoc = { _id: journalId(entry.accountId, entry.version), ...entry };
    try {
      await this.col.insertOne(doc, { writeConcern: { w: 'majority', j: true } });
      return doc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.col.findOne({ _id: doc._id });
      return entry.owner && existing?.owner === entry.owner ? doc : null;
    }
  }

  /** The entry that would move an account to `version`, if one was committed. */
  async find(accountId: string, version: number): Promise<TokenJournalDoc | null> {
    return this.col.findOne({ _id: journalId(accountId, version) });
  }

  async drop(accountId: string, version: number): Promise<void> {
    await this.col.deleteOne({ _id: journalId(accountId, version) });
  }
}
