import type { Collection, Db } from 'mongodb';
import type { ConflictRecord, CreateItem, DeleteItem, Halt, LinkWrite, Side, SideRecord, TagItem, UpdateItem, WriteOutcome } from '../sync';

/** Lookups by `_id` in flight at once, and updates by `_id` in one command (below FerretDB's 100, see planLinks). */
const LOOKUPS = 25;

/**
 * A contact-sync cycle's working state, in MongoDB rather than workflow history: the pages each side's pull
 * stored, the plan's batches and link writes, and their outcomes. Keyed by _id (`<pairing>#<cycle>#...`), written
 * once and updated by _id, so a retried activity finds what an earlier attempt did. Removed when the cycle ends.
 */
export type BatchOp = 'create' | 'update' | 'delete' | 'tag';
export type BatchItems = { op: 'create'; items: CreateItem[] } | { op: 'update'; items: UpdateItem[] } | { op: 'delete'; items: DeleteItem[] } | { op: 'tag'; items: TagItem[] };

export interface PulledPage {
  records: SideRecord[];
  deleted: string[];
}

export interface PullState {
  /** The provider's page token of the next page to read, or null when the listing ended. */
  nextPage: string | null;
  pages: number;
  records: number;
  deleted: number;
  /** A listing from scratch (no cursor, or the cursor expired): once it ended, deletions follow by set difference. */
  full: boolean;
  done: boolean;
  /** The cursor the next cycle starts from, once this cycle commits. */
  nextCursor: string | null;
  /** Why the listing is full: asked for, first sync, or the provider refused the cursor. */
  fullBecause: 'asked' | 'first' | 'expired' | null;
}

export interface BatchDoc {
  _id: string;
  pairingId: string;
  cycle: number;
  side: Side;
  batch: BatchItems;
  done: boolean;
  /** Per item outcome, by link id, once the batch ran. */
  outcomes: Record<string, WriteOutcome>;
}

export interface PlanLinkDoc {
  _id: string;
  pairingId: string;
  cycle: number;
  write: LinkWrite;
  outcomes: Partial<Record<Side, WriteOutcome>>;
  settled: boolean;
}

export interface CycleDoc {
  _id: string;
  pairingId: string;
  cycle: number;
  kind: 'page' | 'pull' | 'plan';
  side?: Side;
  page?: PulledPage;
  pull?: PullState;
  plan?: { halt: Halt | null; batchIds: string[]; counts: Record<string, number> };
}

export interface ConflictDoc extends ConflictRecord {
  _id: string;
  pairingId: string;
  cycle: number;
  at: Date;
}

const key = (pairingId: string, cycle: number, ...parts: (string | number)[]): string => [pairingId, cycle, ...parts].join('#');

export class SyncCycleStore {
  private readonly items: Collection<CycleDoc>;
  private readonly batches: Collection<BatchDoc>;
  private readonly linkWrites: Collection<PlanLinkDoc>;
  private readonly conflicts: Collection<ConflictDoc>;

  constructor(db: Db) {
    this.items = db.collection<CycleDoc>('sync_cycle_items');
    this.batches = db.collection<BatchDoc>('sync_cycle_batches');
    this.linkWrites = db.collection<PlanLinkDoc>('sync_cycle_links');
    this.conflicts = db.collection<ConflictDoc>('sync_conflicts');
  }

  async ensureIndexes(): Promise<void> {
    await this.items.createIndex({ pairingId: 1, cycle: 1 }, { name: 'pairing_cycle' });
    await this.batches.createIndex({ pairingId: 1, cycle: 1 }, { name: 'pairing_cycle' });
    await this.linkWrites.createIndex({ pairingId: 1, cycle: 1, settled: 1 }, { name: 'pairing_cycle_settled' });
    await this.conflicts.createIndex({ pairingId: 1, at: -1 }, { name: 'pairing_at' });
  }

  // ---- pulls

  async pullState(pairingId: string, cycle: number, side: Side): Promise<PullState | null> {
    return (await this.items.findOne({ _id: key(pairingId, cycle, 'pull', side) }))?.pull ?? null;
  }

  /** Stores one pulled page and where the pull stands after it (the page first: a retry re-reads at most one page). */
  async savePage(pairingId: string, cycle: number, side: Side, n: number, page: PulledPage, state: PullState): Promise<void> {
    await this.items.replaceOne({ _id: key(pairingId, cycle, 'page', side, n) }, { pairingId, cycle, kind: 'page', side, page }, { upsert: true });
    await this.savePull(pairingId, cycle, side, state);
  }

  async savePull(pairingId: string, cycle: number, side: Side, state: PullState): Promise<void> {
    await this.items.replaceOne({ _id: key(pairingId, cycle, 'pull', side) }, { pairingId, cycle, kind: 'pull', side, pull: state }, { upsert: true });
  }

  /** Drops the pages of a pull that starts again from scratch (its cursor expired). */
  async dropPages(pairingId: string, cycle: number, side: Side, pages: number): Promise<void> {
    if (pages > 0) await this.items.deleteMany({ _id: { $in: Array.from({ length: pages }, (_, n) => key(pairingId, cycle, 'page', side, n)) } });
  }

  async pages(pairingId: string, cycle: number, side: Side, count: number): Promise<PulledPage[]> {
    const out: PulledPage[] = [];
    for (let n = 0; n < count; n++) {
      const doc = await this.items.findOne({ _id: key(pairingId, cycle, 'page', side, n) });
      if (doc?.page) out.push(doc.page);
    }
    return out;
  }

  // ---- plan

  async planOf(pairingId: string, cycle: number): Promise<CycleDoc['plan'] | null> {
    return (await this.items.findOne({ _id: key(pairingId, cycle, 'plan') }))?.plan ?? null;
  }

  /** Stores a cycle's plan: its batches and link writes first, then the plan document that says it is complete. */
  async savePlan(pairingId: string, cycle: number, plan: { halt: Halt | null; batches: { side: Side; batch: BatchItems }[]; links: LinkWrite[]; counts: Record<string, number> }): Promise<string[]> {
    const batchIds = plan.batches.map((b, n) => key(pairingId, cycle, 'batch', b.side, b.batch.op, n));
    if (plan.batches.length) {
      await this.batches.deleteMany({ _id: { $in: batchIds } });
      await this.batches.insertMany(plan.batches.map((b, n) => ({ _id: batchIds[n]!, pairingId, cycle, side: b.side, batch: b.batch, done: false, outcomes: {} })));
    }
    for (let i = 0; i < plan.links.length; i += 1000) {
      const chunk = plan.links.slice(i, i + 1000);
      await this.linkWrites.deleteMany({ _id: { $in: chunk.map((w) => key(pairingId, cycle, 'link', w.linkId)) } });
      await this.linkWrites.insertMany(chunk.map((write) => ({ _id: key(pairingId, cycle, 'link', write.linkId), pairingId, cycle, write, outcomes: {}, settled: false })));
    }
    await this.items.replaceOne({ _id: key(pairingId, cycle, 'plan') }, { pairingId, cycle, kind: 'plan', plan: { halt: plan.halt, batchIds, counts: plan.counts } }, { upsert: true });
    return batchIds;
  }

  async batch(id: string): Promise<BatchDoc | null> {
    return this.batches.findOne({ _id: id });
  }

  async finishBatch(id: string, outcomes: Record<string, WriteOutcome>): Promise<void> {
    await this.batches.updateOne({ _id: id }, { $set: { done: true, outcomes } });
  }

  /**
   * The planned writes of these links, looked up one `_id` at a time (LOOKUPS at once): FerretDB 1.24, the local
   * stack's MongoDB, answers `_id: {$in: [...]}` by parsing every document of the collection (tens of seconds a
   * batch at 10,000 links), and a lookup by one `_id` from an index; MongoDB answers either from its index.
   */
  async planLinks(pairingId: string, cycle: number, linkIds: readonly string[]): Promise<PlanLinkDoc[]> {
    const out: PlanLinkDoc[] = [];
    for (let i = 0; i < linkIds.length; i += LOOKUPS) {
      const found = await Promise.all(linkIds.slice(i, i + LOOKUPS).map((l) => this.linkWrites.findOne({ _id: key(pairingId, cycle, 'link', l) })));
      for (const doc of found) if (doc) out.push(doc);
    }
    return out;
  }

  async unsettledLinks(pairingId: string, cycle: number): Promise<PlanLinkDoc[]> {
    return this.linkWrites.find({ pairingId, cycle, settled: false }).toArray();
  }

  /** One side's answers for links of a batch. */
  async recordOutcomes(pairingId: string, cycle: number, side: Side, outcomes: ReadonlyMap<string, WriteOutcome>): Promise<void> {
    await this.setEachLink(pairingId, cycle, [...outcomes].map(([linkId, outcome]) => [linkId, { [`outcomes.${side}`]: outcome }]));
  }

  /** Replaces a link's planned write (after a re-decision) and forgets its outcomes. */
  async replaceWrite(pairingId: string, cycle: number, write: LinkWrite): Promise<void> {
    await this.linkWrites.updateOne({ _id: key(pairingId, cycle, 'link', write.linkId) }, { $set: { write, outcomes: {} } });
  }

  async markSettled(pairingId: string, cycle: number, linkIds: readonly string[]): Promise<void> {
    await this.setEachLink(pairingId, cycle, linkIds.map((l) => [l, { settled: true }]));
  }

  /** One `$set` by `_id` per link (see planLinks), LOOKUPS to a command (FerretDB hangs at 100, see ContactLinkStore.put). */
  private async setEachLink(pairingId: string, cycle: number, sets: readonly [linkId: string, set: Record<string, unknown>][]): Promise<void> {
    for (let i = 0; i < sets.length; i += LOOKUPS) {
      await this.linkWrites.bulkWrite(
        sets.slice(i, i + LOOKUPS).map(([linkId, set]) => ({ updateOne: { filter: { _id: key(pairingId, cycle, 'link', linkId) }, update: { $set: set } } })),
        { ordered: false },
      );
    }
  }

  // ---- conflicts and clean-up

  async recordConflicts(pairingId: string, cycle: number, conflicts: readonly ConflictRecord[]): Promise<void> {
    if (!conflicts.length) return;
    const at = new Date();
    const docs = conflicts.map((c) => ({ ...c, _id: key(pairingId, cycle, 'conflict', c.linkId), pairingId, cycle, at }));
    await this.conflicts.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
    await this.conflicts.insertMany(docs);
  }

  async recentConflicts(pairingId: string, limit: number): Promise<ConflictDoc[]> {
    return this.conflicts.find({ pairingId }).sort({ at: -1 }).limit(limit).toArray();
  }

  async countConflicts(pairingId: string): Promise<number> {
    return this.conflicts.countDocuments({ pairingId });
  }

  /** Removes every cycle's working state of a pairing up to `cycle` (inclusive). */
  async clear(pairingId: string, upToCycle: number): Promise<void> {
    const filter = { pairingId, cycle: { $lte: upToCycle } };
    await Promise.all([this.items.deleteMany(filter), this.batches.deleteMany(filter), this.linkWrites.deleteMany(filter)]);
  }
}
