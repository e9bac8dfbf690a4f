import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/**
 * The webhook inbox (`kommo_inbox`): every accepted delivery, as the contact ids it names, written before Kommo
 * gets its 2xx and removed once a mirror batch that took it is committed. It only ever holds what is waiting, so
 * reading a mirror's entries stays cheap on a server that indexes nothing but _id. An event only marks a contact
 * dirty: order and repetition do not matter, the workflow fetches each contact's current state.
 */
export interface InboxEntry {
  _id: string;
  mirrorId: string;
  /** Contact ids, at most MAX_IDS_PER_ENTRY, no repeats. */
  ids: number[];
  /** Where it came from: a webhook delivery, the poll's deletion events, the end of a full sync. */
  source: 'webhook' | 'poll' | 'full-sync' | 'by-hand';
  at: Date;
}

/** A batch takes whole entries up to 500 contacts (Unisender's rows per import), so no entry is bigger. */
export const MAX_IDS_PER_ENTRY = 500;

/** Entries for a set of contact ids, split so none is larger than a batch. */
export function inboxEntries(mirrorId: string, ids: readonly number[], source: InboxEntry['source'], at = new Date()): InboxEntry[] {
  const unique = [...new Set(ids)];
  const out: InboxEntry[] = [];
  for (let i = 0; i < unique.length; i += MAX_IDS_PER_ENTRY) {
    // Unique without a counter (the local server's read-modify-write is not atomic): time, then randomness.
    out.push({ _id: `${mirrorId}#${at.getTime().toString(36)}#${randomBytes(6).toString('hex')}`, mirrorId, ids: unique.slice(i, i + MAX_IDS_PER_ENTRY), source, at });
  }
  return out;
}

export class KommoInboxStore {
  private readonly col: Collection<InboxEntry>;

  constructor(db: Db) {
    this.col = db.collection<InboxEntry>('kommo_inbox');
  }

  /** Durably writes entries (journaled): once this resolves, a delivery may be acknowledged. */
  async add(entries: readonly InboxEntry[]): Promise<void> {
    if (entries.length) await this.col.insertMany([...entries], { ordered: false, writeConcern: { w: 'majority', j: true } });
  }

  /** Up to `limit` waiting entries of a mirror, in no particular order. */
  async pending(mirrorId: string, limit: number): Promise<InboxEntry[]> {
    return this.col.find({ mirrorId }).limit(limit).toArray();
  }

  async hasPending(mirrorId: string): Promise<boolean> {
    return (await this.col.countDocuments({ mirrorId }, { limit: 1 })) > 0;
  }

  /** The mirrors with entries waiting (the sweeper wakes them). */
  async mirrorsWithPending(): Promise<string[]> {
    return (await this.col.distinct('mirrorId')).sort();
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.col.deleteMany({ _id: { $in: [...ids] } });
  }

  async removeMirror(mirrorId: string): Promise<void> {
    await this.col.deleteMany({ mirrorId });
  }
}

/**
 * Group commit for the webhook endpoint: deliveries arriving while a write is in flight are written together in the
 * next one (one insertMany), so a burst costs a few round trips instead of one per delivery. Each caller's promise
 * settles when its own entries are durable, or rejects with the write's error.
 */
export class InboxWriter {
  private queue: { entries: InboxEntry[]; done: (err?: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly inbox: KommoInboxStore) {}

  write(entries: InboxEntry[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, done: (err) => (err === undefined ? resolve() : reject(err instanceof Error ? err : new Error(String(err)))) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const group = this.queue.splice(0, this.queue.length);
        try {
          await this.inbox.add(group.flatMap((g) => g.entries));
          for (const g of group) g.done();
        } catch (err) {
          for (const g of group) g.done(err ?? new Error('inbox write failed'));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
