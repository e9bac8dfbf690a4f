import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { ApiCaller } from './api-keys';

/**
 * `ui_sessions`: the operator page's sessions. The browser holds only an opaque random id (its cookie); the store
 * keeps a hash of it, the API key the person logged in with (by name, and that key's hash at login, so a key
 * refreshed or deleted since ends its sessions), and the session's CSRF token for its forms. Never the key itself.
 */
export interface UiSessionDoc {
  /** sha256 of the cookie's value: a database dump holds no usable session. */
  _id: string;
  keyName: string;
  /** The API key's stored hash when the session began. */
  keyHash: string;
  isRoot: boolean;
  /** Sent back in every POST form of the page (a per-session token, compared with what the form carries). */
  csrf: string;
  createdAt: Date;
  expiresAt: Date;
}

export type UiSession = Pick<UiSessionDoc, 'keyName' | 'keyHash' | 'isRoot' | 'csrf' | 'expiresAt'>;

const sha256 = (v: string): string => createHash('sha256').update(v, 'utf8').digest('hex');

export class UiSessionStore {
  private readonly col: Collection<UiSessionDoc>;

  constructor(db: Db) {
    this.col = db.collection<UiSessionDoc>('ui_sessions');
  }

  async ensureIndexes(): Promise<void> {
    // No TTL index: the local MongoDB-wire server has none. create() clears expired sessions instead.
    await this.col.createIndex({ expiresAt: 1 }, { name: 'expiry' });
  }

  /** A new session for a verified caller; answers the cookie value (shown once) and the session. */
  async create(caller: ApiCaller & { keyHash: string }, ttlMs: number): Promise<{ id: string; session: UiSession }> {
    const id = randomBytes(32).toString('base64url');
    const now = new Date();
    await this.col.deleteMany({ expiresAt: { $lt: now } });
    const doc: UiSessionDoc = { _id: sha256(id), keyName: caller.name, keyHash: caller.keyHash, isRoot: caller.isRoot, csrf: randomBytes(24).toString('base64url'), createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
    await this.col.insertOne(doc);
    return { id, session: doc };
  }

  /** The live session of a cookie value, or null (unknown or expired). */
  async get(id: string): Promise<UiSession | null> {
    const doc = await this.col.findOne({ _id: sha256(id) });
    return doc && doc.expiresAt.getTime() > Date.now() ? doc : null;
  }

  async delete(id: string): Promise<void> {
    await this.col.deleteOne({ _id: sha256(id) });
  }
}
