import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './errors';

/** API keys of the HTTP API. Only a SHA-256 of each key is stored; the key itself is shown once, at creation. */
export interface ApiKeyDoc {
  _id: string; // the key's name, recorded in config change history
  hash: string;
  isRoot: boolean;
  createdAt: Date;
  refreshedAt: Date;
}

export interface ApiCaller {
  name: string;
  isRoot: boolean;
}

export const ROOT_KEY_NAME = 'root';

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');
const newKey = (): string => `sy_${randomBytes(24).toString('base64url')}`;

export class ApiKeyError extends Error {
  constructor(message: string, readonly status: 400 | 403 | 404 | 409) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

export class ApiKeyStore {
  private readonly col: Collection<ApiKeyDoc>;

  constructor(db: Db) {
    this.col = db.collection<ApiKeyDoc>('api_keys');
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ hash: 1 }, { unique: true, name: 'hash' });
  }

  /** The root key comes from settings (ROOT_API_KEY); it is written at every start so settings stay the truth. */
  async ensureRoot(rootKey: string): Promise<void> {
    const now = new Date();
    await this.col.updateOne(
      { _id: ROOT_KEY_NAME },
      { $set: { hash: hashKey(rootKey), isRoot: true, refreshedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
  }

  async verify(key: string | undefined): Promise<ApiCaller | null> {
    if (!key) return null;
    const h = hashKey(key);
    const doc = await this.col.findOne({ hash: h });
    // The lookup is by hash already; the constant-time compare keeps timing flat for near misses.
    if (!doc || !timingSafeEqual(Buffer.from(doc.hash, 'hex'), Buffer.from(h, 'hex'))) return null;
    return { name: doc._id, isRoot: doc.isRoot };
  }

  /** Whether the key named `name` is still the one whose hash this is (not refreshed nor deleted since). */
  async isCurrent(name: string, hash: string): Promise<boolean> {
    return (await this.col.countDocuments({ _id: name, hash }, { limit: 1 })) === 1;
  }

  async list(): Promise<{ name: string; isRoot: boolean; createdAt: string; refreshedAt: string }[]> {
    const docs = await this.col.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ name: d._id, isRoot: d.isRoot, createdAt: d.createdAt.toISOString(), refreshedAt: d.refreshedAt.toISOString() }));
  }

  async create(name: string): Promise<{ name: string; key: string }> {
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new ApiKeyError('name: 1-64 letters, digits or _ . @ -', 400);
    if (name === ROOT_KEY_NAME) throw new ApiKeyError('the root key comes from ROOT_API_KEY and cannot be created here', 400);
    const key = newKey();
    const now = new Date();
    try {
      await this.col.insertOne({ _id: name, hash: hashKey(key), isRoot: false, createdAt: now, refreshedAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ApiKeyError(`an API key named ${name} already exists`, 409);
      throw err;
    }
    return { name, key };
  }

  async refresh(name: string): Promise<{ name: string; key: string }> {
    if (name === ROOT_KEY_NAME) throw new ApiKeyError('the root key is changed through ROOT_API_KEY, not the API', 403);
    const key = newKey();
    const res = await this.col.updateOne({ _id: name }, { $set: { hash: hashKey(key), refreshedAt: new Date() } });
    if (!res.matchedCount) throw new ApiKeyError(`no API key named ${name}`, 404);
    return { name, key };
  }

  async delete(name: string): Promise<void> {
    if (name === ROOT_KEY_NAME) throw new ApiKeyError('the root key cannot be deleted from the API', 403);
    const res = await this.col.deleteOne({ _id: name });
    if (!res.deletedCount) throw new ApiKeyError(`no API key named ${name}`, 404);
  }
}
