import type { Collection, Db } from 'mongodb';

/**
 * What a mirror knows of its Kommo contacts, keyed by _id so every read and write is a lookup by _id:
 *  - `kommo_contacts` `<mirrorId>#<contactId>`: the contact's name and e-mails as last mirrored, the batch that
 *    wrote them and what they were before that batch (so a retried batch computes the same changes again);
 *  - `kommo_emails` `<mirrorId>#<email>`: the contacts of the mirror that have this e-mail. An e-mail leaves the
 *    Unisender list only when this set is empty: a reference count, idempotent under retries.
 *  - `kommo_rejections` `<mirrorId>#<email>`: rows Unisender did not import (invalid, role, spam-trap addresses).
 * New contacts and e-mails are inserted in bulk; existing ones are read and written one by one.
 */
export interface ContactState {
  name: string;
  emails: string[];
}

export interface ContactDoc extends ContactState {
  _id: string;
  mirrorId: string;
  contactId: number;
  /** Kommo's updated_at (unix s) of the version mirrored. */
  updatedAt: number;
  /** Gone from Kommo (deleted or in the trash); removed when its batch is committed. */
  deleted: boolean;
  /** The batch that wrote this version, and the version before it (null: the contact was new to the mirror). */
  batch: number;
  prev: ContactState | null;
}

export interface EmailDoc {
  _id: string;
  mirrorId: string;
  email: string;
  contacts: number[];
}

export interface RejectionDoc {
  _id: string;
  mirrorId: string;
  email: string;
  code: string;
  message: string;
  at: Date;
}

const contactKey = (mirrorId: string, contactId: number): string => `${mirrorId}#${contactId}`;
const emailKey = (mirrorId: string, email: string): string => `${mirrorId}#${email}`;

/** Runs fn over items with at most `n` in flight (reads by _id go faster side by side). */
export async function inParallel<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** The _ids an insertMany did not write because they exist already; other failures are thrown. */
function duplicatesOf(err: unknown, docs: readonly { _id: string }[]): Set<string> {
  type WriteError = { index?: number; code?: number; err?: { index?: number; code?: number } };
  const raw = (err as { writeErrors?: WriteError[] | WriteError }).writeErrors;
  const list: WriteError[] = Array.isArray(raw) ? raw : raw ? [raw] : [];
  if (!list.length) throw err;
  const dup = new Set<string>();
  for (const w of list) {
    const code = w.code ?? w.err?.code;
    const index = w.index ?? w.err?.index;
    if (code !== 11000 || index === undefined) throw err;
    dup.add(docs[index]!._id);
  }
  return dup;
}

export class KommoStateStore {
  private readonly contacts: Collection<ContactDoc>;
  private readonly emails: Collection<EmailDoc>;
  private readonly rejections: Collection<RejectionDoc>;

  constructor(db: Db) {
    this.contacts = db.collection<ContactDoc>('kommo_contacts');
    this.emails = db.collection<EmailDoc>('kommo_emails');
    this.rejections = db.collection<RejectionDoc>('kommo_rejections');
  }

  // ---- contacts

  /** Inserts contacts new to the mirror; answers the ids that exist already (to be read and compared). */
  async insertNewContacts(mirrorId: string, docs: readonly Omit<ContactDoc, '_id' | 'mirrorId'>[]): Promise<Set<number>> {
    if (!docs.length) return new Set();
    const full = docs.map((d) => ({ ...d, _id: contactKey(mirrorId, d.contactId), mirrorId }));
    try {
      await this.contacts.insertMany(full, { ordered: false });
      return new Set();
    } catch (err) {
      const dup = duplicatesOf(err, full);
      return new Set(full.filter((d) => dup.has(d._id)).map((d) => d.contactId));
    }
  }

  async getContacts(mirrorId: string, contactIds: readonly number[]): Promise<Map<number, ContactDoc>> {
    const docs = await inParallel(contactIds, 32, (id) => this.contacts.findOne({ _id: contactKey(mirrorId, id) }));
    return new Map(docs.filter((d): d is ContactDoc => d !== null).map((d) => [d.contactId, d]));
  }

  async writeContact(mirrorId: string, doc: Omit<ContactDoc, '_id' | 'mirrorId'>): Promise<void> {
    const _id = contactKey(mirrorId, doc.contactId);
    await this.contacts.replaceOne({ _id }, { ...doc, mirrorId }, { upsert: true });
  }

  /** Removes the tombstones a committed batch left (contacts gone from Kommo). */
  async removeDeleted(mirrorId: string, contactIds: readonly number[], batch: number): Promise<void> {
    await inParallel(contactIds, 16, (id) => this.contacts.deleteOne({ _id: contactKey(mirrorId, id), deleted: true, batch }));
  }

  /** Every contact id of a mirror (the end of a full sync looks for the ones Kommo no longer listed). */
  async contactIds(mirrorId: string): Promise<number[]> {
    const docs = await this.contacts.find({ mirrorId }, { projection: { contactId: 1 } }).toArray();
    return docs.map((d) => d.contactId);
  }

  async countContacts(mirrorId: string): Promise<number> {
    return this.contacts.countDocuments({ mirrorId });
  }

  // ---- e-mail references

  /** Adds a contact to each e-mail's set: new e-mails in one insert, the others one by one ($addToSet, idempotent). */
  async addReferences(mirrorId: string, refs: readonly { email: string; contactId: number }[]): Promise<void> {
    const fresh = new Map<string, EmailDoc>();
    const later: { email: string; contactId: number }[] = [];
    for (const r of refs) {
      const _id = emailKey(mirrorId, r.email);
      const doc = fresh.get(_id);
      if (!doc) fresh.set(_id, { _id, mirrorId, email: r.email, contacts: [r.contactId] });
      else if (!doc.contacts.includes(r.contactId)) doc.contacts.push(r.contactId);
    }
    const docs = [...fresh.values()];
    if (!docs.length) return;
    try {
      await this.emails.insertMany(docs, { ordered: false });
    } catch (err) {
      const dup = duplicatesOf(err, docs);
      for (const d of docs) if (dup.has(d._id)) for (const c of d.contacts) later.push({ email: d.email, contactId: c });
    }
    await inParallel(later, 16, (r) => this.emails.updateOne({ _id: emailKey(mirrorId, r.email) }, { $addToSet: { contacts: r.contactId } }));
  }

  async removeReferences(mirrorId: string, refs: readonly { email: string; contactId: number }[]): Promise<void> {
    await inParallel(refs, 16, (r) => this.emails.updateOne({ _id: emailKey(mirrorId, r.email) }, { $pull: { contacts: r.contactId } }));
  }

  /** The e-mails among `emails` that no contact of the mirror has any more. */
  async unreferenced(mirrorId: string, emails: readonly string[]): Promise<string[]> {
    const docs = await inParallel(emails, 32, (e) => this.emails.findOne({ _id: emailKey(mirrorId, e) }));
    return emails.filter((_, i) => (docs[i]?.contacts.length ?? 0) === 0);
  }

  /** Drops the reference documents of e-mails that left the list (still empty: nobody took them meanwhile). */
  async dropUnreferenced(mirrorId: string, emails: readonly string[]): Promise<void> {
    await inParallel(emails, 16, (e) => this.emails.deleteOne({ _id: emailKey(mirrorId, e), contacts: { $size: 0 } }));
  }

  async referencedBy(mirrorId: string, email: string): Promise<number[]> {
    return (await this.emails.findOne({ _id: emailKey(mirrorId, email) }))?.contacts ?? [];
  }

  // ---- rejections

  async recordRejections(mirrorId: string, rows: readonly { email: string; code: string; message: string }[]): Promise<void> {
    const at = new Date();
    await inParallel(rows, 8, (r) => this.rejections.replaceOne({ _id: emailKey(mirrorId, r.email) }, { mirrorId, ...r, at }, { upsert: true }));
  }

  /** The rows Unisender refused, newest first (an operator's read: scans the small rejections collection). */
  async listRejections(mirrorId: string, limit: number): Promise<RejectionDoc[]> {
    return this.rejections.find({ mirrorId }).sort({ at: -1 }).limit(limit).toArray();
  }

  async removeMirror(mirrorId: string): Promise<void> {
    await Promise.all([this.contacts.deleteMany({ mirrorId }), this.emails.deleteMany({ mirrorId }), this.rejections.deleteMany({ mirrorId })]);
  }
}
