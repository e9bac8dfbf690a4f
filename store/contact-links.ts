import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { SyncLink } from '../sync';

/** A link document: one per contact pair of a pairing (the engine's SyncLink), keyed `<pairingId>:<linkId>`. */
export interface LinkDoc extends SyncLink {
  _id: string;
  pairingId: string;
  /** A side's id is missing and the link is not unlinked: the engine must see it every cycle until settled. */
  pending: boolean;
  updatedAt: Date;
}

/**
 * Replacements per bulk write. FerretDB 1.24 on SQLite (the local stack's MongoDB) keeps one pooled connection per
 * statement of an update command open until the command ends, and its pool holds 100: a command of 100 statements
 * waits forever for a 101st connection, and every later call on that database with it. MongoDB itself has no such
 * limit; 50 costs one more round trip per 100 links.
 */
const PUT_CHUNK = 50;

const linkKey = (pairingId: string, linkId: string): string => `${pairingId}:${linkId}`;

function toLink(doc: LinkDoc): SyncLink {
  const { _id, pairingId: _p, pending: _pe, updatedAt: _u, ...link } = doc;
  return link;
}

function isPending(link: SyncLink): boolean {
  return (!link.googleId || !link.zohoId) && !(link.flags ?? []).includes('unlinked');
}

/**
 * The `sync_links` collection: the id pairs (and what each side held at the last sync) of every pairing. The
 * engine reads the links a cycle involves and says what they become; this stores exactly that.
 */
export class ContactLinkStore {
  private readonly links: Collection<LinkDoc>;

  constructor(db: Db) {
    this.links = db.collection<LinkDoc>('sync_links');
  }

  async ensureIndexes(): Promise<void> {
    await this.links.createIndex({ pairingId: 1, googleId: 1 }, { name: 'pairing_google' });
    await this.links.createIndex({ pairingId: 1, zohoId: 1 }, { name: 'pairing_zoho' });
    await this.links.createIndex({ pairingId: 1, pending: 1 }, { name: 'pairing_pending' });
  }

  /** Every link of a pairing (a complete listing infers deletions from all of them). */
  async all(pairingId: string): Promise<SyncLink[]> {
    return (await this.links.find({ pairingId }).toArray()).map(toLink);
  }

  /** The links a cycle's changes involve: by either side's id or by link id, and every pending link. */
  async involved(pairingId: string, q: { googleIds: string[]; zohoIds: string[]; linkIds: string[] }): Promise<SyncLink[]> {
    const or: Record<string, unknown>[] = [{ pairingId, pending: true }];
    if (q.googleIds.length) or.push({ pairingId, googleId: { $in: q.googleIds } });
    if (q.zohoIds.length) or.push({ pairingId, zohoId: { $in: q.zohoIds } });
    if (q.linkIds.length) or.push({ _id: { $in: q.linkIds.map((l) => linkKey(pairingId, l)) } });
    const byId = new Map<string, SyncLink>();
    for (const filter of or) for (const doc of await this.links.find(filter).toArray()) byId.set(doc._id, toLink(doc));
    return [...byId.values()];
  }

  async count(pairingId: string): Promise<number> {
    return this.links.countDocuments({ pairingId });
  }

  async countPending(pairingId: string): Promise<number> {
    return this.links.countDocuments({ pairingId, pending: true });
  }

  /** Stores links as they are now (insert or replace), PUT_CHUNK links a round trip. */
  async put(pairingId: string, links: readonly SyncLink[]): Promise<void> {
    const now = new Date();
    for (let i = 0; i < links.length; i += PUT_CHUNK) {
      const ops: AnyBulkWriteOperation<LinkDoc>[] = links.slice(i, i + PUT_CHUNK).map((link) => ({
        replaceOne: { filter: { _id: linkKey(pairingId, link.linkId) }, replacement: { ...link, _id: linkKey(pairingId, link.linkId), pairingId, pending: isPending(link), updatedAt: now }, upsert: true },
      }));
      await this.links.bulkWrite(ops, { ordered: false });
    }
  }

  async delete(pairingId: string, linkIds: readonly string[]): Promise<void> {
    if (!linkIds.length) return;
    await this.links.deleteMany({ _id: { $in: linkIds.map((l) => linkKey(pairingId, l)) } });
  }

  /** Every link of a pairing removed (the pairing was deleted). */
  async deleteAll(pairingId: string): Promise<number> {
    return (await this.links.deleteMany({ pairingId })).deletedCount;
  }
}
