import type { Collection, Db } from 'mongodb';
import type { Cipher } from './crypto';

interface SecretDoc {
  _id: string;
  value: string; // encrypted
  updatedAt: Date;
  updatedBy: string;
}

/** `extract_secrets`: the values configs reference as `${secret::name}`, encrypted at rest, never answered back. */
export class SecretStore {
  private readonly col: Collection<SecretDoc>;

  constructor(
    db: Db,
    private readonly cipher: Cipher,
  ) {
    this.col = db.collection<SecretDoc>('extract_secrets');
  }

  async set(name: string, value: string, keyName: string): Promise<void> {
    await this.col.updateOne({ _id: name }, { $set: { value: this.cipher.encrypt(value), updatedAt: new Date(), updatedBy: keyName } }, { upsert: true });
  }

  async delete(name: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: name })).deletedCount > 0;
  }

  async names(): Promise<{ name: string; updatedAt: string; updatedBy: string }[]> {
    const docs = await this.col.find({}, { projection: { value: 0 } }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ name: d._id, updatedAt: d.updatedAt.toISOString(), updatedBy: d.updatedBy }));
  }

  /** The decrypted values of the named secrets that exist. */
  async values(names: readonly string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const docs = await this.col.find({ _id: { $in: [...names] } }).toArray();
    const out: Record<string, string> = {};
    for (const d of docs) out[d._id] = this.cipher.decrypt(d.value);
    return out;
  }
}
