import type { Collection, Db } from 'mongodb';

/**
 * A mirror batch's working state (`kommo_batches`), one document per stage, each inserted once by the activity of
 * that stage and read back by _id: `<mirror>#<n>` (what the batch covers), `<mirror>#<n>#fetched` (the contacts as
 * Kommo has them now), `<mirror>#<n>#plan` (the rows to import and the e-mails to exclude). A retried activity
 * finds its stage's document and answers from it. All three are removed when the batch is committed.
 */
export type BatchKind = 'inbox' | 'full' | 'poll';

export interface BatchHead {
  kind: BatchKind;
  /** inbox: the dirty contact ids and the inbox entries they came from. */
  ids: number[];
  entryIds: string[];
  /** full/poll: where the listing stands when this batch starts (a `next` link, or null for its first page). */
  cursor: string | null;
  /** poll: list contacts changed since (unix s), and the deletion/restore events since (first batch only). */
  updatedFrom: number | null;
  eventsFrom: number | null;
}

export interface FetchedContact {
  id: number;
  name: string;
  emails: string[];
  updatedAt: number;
}

export interface BatchFetched {
  contacts: FetchedContact[];
  /** Ids Kommo no longer has (deleted or in the trash). */
  missing: number[];
  /** listing: the next page's link after this batch, or null when the listing ended. */
  next: string | null;
  /** Kommo requests this batch made. */
  calls: number;
}

export interface ImportRow {
  email: string;
  name: string;
}

export interface BatchPlan {
  imports: ImportRow[];
  excludes: string[];
  counts: { contacts: number; changed: number; unchanged: number; added: number; removed: number };
}

interface BatchDoc {
  _id: string;
  mirrorId: string;
  n: number;
  at: Date;
  head?: BatchHead;
  fetched?: BatchFetched;
  plan?: BatchPlan;
  /** A full sync's batch k: the contact ids it listed (the end of the sync looks for contacts nobody listed). */
  seen?: number[];
}

const key = (mirrorId: string, n: number, stage?: 'fetched' | 'plan'): string => `${mirrorId}#${n}${stage ? `#${stage}` : ''}`;
const seenKey = (mirrorId: string, gen: number, k: number): string => `${mirrorId}#full${gen}#${k}`;

export class KommoBatchStore {
  private readonly col: Collection<BatchDoc>;

  constructor(db: Db) {
    this.col = db.collection<BatchDoc>('kommo_batches');
  }

  async head(mirrorId: string, n: number): Promise<BatchHead | null> {
    return (await this.col.findOne({ _id: key(mirrorId, n) }))?.head ?? null;
  }

  async fetched(mirrorId: string, n: number): Promise<BatchFetched | null> {
    return (await this.col.findOne({ _id: key(mirrorId, n, 'fetched') }))?.fetched ?? null;
  }

  async plan(mirrorId: string, n: number): Promise<BatchPlan | null> {
    return (await this.col.findOne({ _id: key(mirrorId, n, 'plan') }))?.plan ?? null;
  }

  /** Stores a stage once; a second write of the same stage (a retry) keeps the first and answers it. */
  async saveHead(mirrorId: string, n: number, head: BatchHead): Promise<BatchHead> {
    return (await this.insertOnce(key(mirrorId, n), mirrorId, n, { head }, () => this.head(mirrorId, n))) ?? head;
  }

  async saveFetched(mirrorId: string, n: number, fetched: BatchFetched): Promise<BatchFetched> {
    return (await this.insertOnce(key(mirrorId, n, 'fetched'), mirrorId, n, { fetched }, () => this.fetched(mirrorId, n))) ?? fetched;
  }

  async savePlan(mirrorId: string, n: number, plan: BatchPlan): Promise<BatchPlan> {
    return (await this.insertOnce(key(mirrorId, n, 'plan'), mirrorId, n, { plan }, () => this.plan(mirrorId, n))) ?? plan;
  }

  async remove(mirrorId: string, n: number): Promise<void> {
    for (const stage of [undefined, 'fetched', 'plan'] as const) await this.col.deleteOne({ _id: key(mirrorId, n, stage) });
  }

  /** The contact ids full sync `gen` listed in its batch `k` (insert-once, like every stage). */
  async saveSeen(mirrorId: string, gen: number, k: number, ids: readonly number[]): Promise<void> {
    await this.insertOnce(seenKey(mirrorId, gen, k), mirrorId, k, { seen: [...ids] }, async () => null);
  }

  async seen(mirrorId: string, gen: number, k: number): Promise<number[]> {
    return (await this.col.findOne({ _id: seenKey(mirrorId, gen, k) }))?.seen ?? [];
  }

  async removeSeen(mirrorId: string, gen: number, batches: number): Promise<void> {
    for (let k = 0; k < batches; k++) await this.col.deleteOne({ _id: seenKey(mirrorId, gen, k) });
  }

  async removeMirror(mirrorId: string): Promise<void> {
    await this.col.deleteMany({ mirrorId });
  }

  private async insertOnce<T>(_id: string, mirrorId: string, n: number, body: Partial<BatchDoc>, existing: () => Promise<T | null>): Promise<T | null> {
    try {
      await this.col.insertOne({ _id, mirrorId, n, at: new Date(), ...body });
      return null;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      return existing();
    }
  }
}
