import type { Collection, Db } from 'mongodb';
import type { BatchKind } from './kommo-batches';

/**
 * Where each mirror's work stands (`kommo_progress`, _id = mirror id), written only by the mirror workflow's
 * activities, one at a time: the last batch number, the batch in flight, the full sync's and the poll's listing
 * positions, and running totals. A workflow run that starts afresh (continue-as-new, a terminated run) resumes
 * from here, so a full sync resumes from its page after any crash.
 */
export interface FullSyncProgress {
  /** Increases with every full sync; names the lists of contacts each one saw. */
  gen: number;
  active: boolean;
  /** The next page's link, or null for the first page. */
  next: string | null;
  /** Batches (two Kommo pages each) and contacts listed so far. */
  batches: number;
  contacts: number;
  /** Contacts the mirror knew when it started: a progress bar's total until the listing ends. */
  expected: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface PollProgress {
  active: boolean;
  /** Contacts changed since this (unix s) are listed by the poll in progress. */
  updatedFrom: number | null;
  next: string | null;
  /** When the poll in progress started (unix s): the next poll lists changes since then. */
  startedAt: number | null;
  /** Where the last completed poll left off (unix s), null before the first. */
  since: number | null;
  lastAt: Date | null;
}

export interface MirrorTotals {
  batches: number;
  contacts: number;
  imported: number;
  excluded: number;
  rejected: number;
  kommoCalls: number;
  importCalls: number;
}

export interface BatchSummary {
  n: number;
  kind: BatchKind;
  contacts: number;
  changed: number;
  imported: number;
  excluded: number;
  rejected: number;
  kommoCalls: number;
  importCalls: number;
  at: string;
}

export interface ProgressDoc {
  _id: string;
  /** The last batch number handed out. */
  batch: number;
  /** The batch taken and not yet committed (a new run finishes it first). */
  open: { n: number; kind: BatchKind } | null;
  full: FullSyncProgress;
  poll: PollProgress;
  totals: MirrorTotals;
  last: BatchSummary | null;
  updatedAt: Date;
}

export const zeroTotals = (): MirrorTotals => ({ batches: 0, contacts: 0, imported: 0, excluded: 0, rejected: 0, kommoCalls: 0, importCalls: 0 });

const initial = (mirrorId: string): ProgressDoc => ({
  _id: mirrorId,
  batch: 0,
  open: null,
  full: { gen: 0, active: false, next: null, batches: 0, contacts: 0, expected: 0, startedAt: null, finishedAt: null },
  poll: { active: false, updatedFrom: null, next: null, startedAt: null, since: null, lastAt: null },
  totals: zeroTotals(),
  last: null,
  updatedAt: new Date(),
});

export class KommoProgressStore {
  private readonly col: Collection<ProgressDoc>;

  constructor(db: Db) {
    this.col = db.collection<ProgressDoc>('kommo_progress');
  }

  async get(mirrorId: string): Promise<ProgressDoc> {
    return (await this.col.findOne({ _id: mirrorId })) ?? initial(mirrorId);
  }

  async find(mirrorId: string): Promise<ProgressDoc | null> {
    return this.col.findOne({ _id: mirrorId });
  }

  /** Writes the whole document (one writer: the mirror's workflow, one activity at a time). */
  async save(doc: ProgressDoc): Promise<void> {
    await this.col.replaceOne({ _id: doc._id }, { ...doc, updatedAt: new Date() }, { upsert: true });
  }

  async remove(mirrorId: string): Promise<void> {
    await this.col.deleteOne({ _id: mirrorId });
  }
}
