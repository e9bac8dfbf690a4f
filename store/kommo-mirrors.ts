import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Cipher } from './crypto';

/**
 * Kommo -> Unisender mirrors (`kommo_mirrors`), one per Kommo account: what a person set up (the connected Kommo
 * account, the Unisender API key encrypted, the target list, a hash of the webhook secret). Read by _id on every
 * webhook delivery and activity; written only by the setup steps. The workflow's progress lives elsewhere
 * (store/kommo-progress.ts), so a setup step and the workflow never write the same document.
 */
export interface MirrorDoc {
  /** `kommo-<Kommo account id>`: one mirror per Kommo account. */
  _id: string;
  /** The Switchyard account (provider kommo) whose tokens the mirror uses. */
  accountId: string;
  oauthClientId: string;
  kommo: { subdomain: string; accountId: number };
  unisender: { apiKey: string /* encrypted */; keyHint: string; listId: number | null; listTitle: string | null } | null;
  webhook: { secretHash: string; subscribedAt: Date; settings: string[] } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What may be shown anywhere: no key, no secret. */
export interface MirrorView {
  id: string;
  accountId: string;
  oauthClientId: string;
  kommo: { subdomain: string; accountId: number };
  unisender: { keyHint: string; listId: number | null; listTitle: string | null } | null;
  webhook: { subscribedAt: string; settings: string[] } | null;
  /** The setup step still to do, or null once the mirror runs. */
  nextStep: 'unisender-key' | 'list' | 'webhook' | null;
  createdAt: string;
}

export const mirrorIdOf = (kommoAccountId: number): string => `kommo-${kommoAccountId}`;

export const WEBHOOK_SETTINGS = ['add_contact', 'update_contact', 'delete_contact', 'restore_contact'] as const;

const sha256 = (v: string): string => createHash('sha256').update(v, 'utf8').digest('hex');

export function nextStepOf(m: MirrorDoc): MirrorView['nextStep'] {
  if (!m.unisender) return 'unisender-key';
  if (m.unisender.listId === null) return 'list';
  if (!m.webhook) return 'webhook';
  return null;
}

export function toMirrorView(m: MirrorDoc): MirrorView {
  return {
    id: m._id,
    accountId: m.accountId,
    oauthClientId: m.oauthClientId,
    kommo: m.kommo,
    unisender: m.unisender ? { keyHint: m.unisender.keyHint, listId: m.unisender.listId, listTitle: m.unisender.listTitle } : null,
    webhook: m.webhook ? { subscribedAt: m.webhook.subscribedAt.toISOString(), settings: m.webhook.settings } : null,
    nextStep: nextStepOf(m),
    createdAt: m.createdAt.toISOString(),
  };
}

export class MirrorNotFound extends Error {
  constructor(readonly mirrorId: string) {
    super(`no Kommo mirror with id ${mirrorId}`);
    this.name = 'MirrorNotFound';
  }
}

export class KommoMirrorStore {
  private readonly mirrors: Collection<MirrorDoc>;

  constructor(
    db: Db,
    private readonly cipher: Cipher,
  ) {
    this.mirrors = db.collection<MirrorDoc>('kommo_mirrors');
  }

  async find(id: string): Promise<MirrorDoc | null> {
    return this.mirrors.findOne({ _id: id });
  }

  async get(id: string): Promise<MirrorDoc> {
    const m = await this.find(id);
    if (!m) throw new MirrorNotFound(id);
    return m;
  }

  /** Every mirror (a handful per deployment), by id. */
  async list(): Promise<MirrorDoc[]> {
    return this.mirrors.find({}).sort({ _id: 1 }).toArray();
  }

  /** The mirror of a Kommo account, created on its first install; a reinstall keeps what was set up. */
  async ensure(doc: Pick<MirrorDoc, '_id' | 'accountId' | 'oauthClientId' | 'kommo'>): Promise<{ mirror: MirrorDoc; created: boolean }> {
    const now = new Date();
    const fresh: MirrorDoc = { ...doc, unisender: null, webhook: null, createdAt: now, updatedAt: now };
    try {
      await this.mirrors.insertOne(fresh);
      return { mirror: fresh, created: true };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    const mirror = await this.get(doc._id);
    return { mirror, created: false };
  }

  async setUnisender(id: string, apiKey: string): Promise<MirrorDoc> {
    const prev = await this.get(id);
    const keyHint = `…${apiKey.slice(-4)}`;
    // A new key may belong to another Unisender account: the list must be chosen again.
    const sameKey = prev.unisender !== null && this.cipher.decrypt(prev.unisender.apiKey) === apiKey;
    const unisender = { apiKey: this.cipher.encrypt(apiKey), keyHint, listId: sameKey ? prev.unisender!.listId : null, listTitle: sameKey ? prev.unisender!.listTitle : null };
    return this.set(id, { unisender });
  }

  async setList(id: string, listId: number, listTitle: string): Promise<MirrorDoc> {
    const prev = await this.get(id);
    if (!prev.unisender) throw new Error(`mirror ${id} has no Unisender API key yet`);
    return this.set(id, { unisender: { ...prev.unisender, listId, listTitle } });
  }

  /** A new webhook secret: only its hash is kept; the secret itself goes into the destination Kommo calls. */
  async newWebhookSecret(id: string): Promise<{ mirror: MirrorDoc; secret: string }> {
    const secret = randomBytes(24).toString('base64url');
    const mirror = await this.set(id, { webhook: { secretHash: sha256(secret), subscribedAt: new Date(), settings: [...WEBHOOK_SETTINGS] } });
    return { mirror, secret };
  }

  async markSubscribed(id: string): Promise<void> {
    const prev = await this.get(id);
    if (prev.webhook) await this.set(id, { webhook: { ...prev.webhook, subscribedAt: new Date() } });
  }

  /** The Unisender API key, decrypted (activities and the API's by-hand calls only). */
  unisenderKey(m: MirrorDoc): string {
    if (!m.unisender) throw new Error(`mirror ${m._id} has no Unisender API key`);
    return this.cipher.decrypt(m.unisender.apiKey);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.mirrors.deleteOne({ _id: id })).deletedCount === 1;
  }

  private async set(id: string, fields: Partial<MirrorDoc>): Promise<MirrorDoc> {
    const res = await this.mirrors.findOneAndUpdate({ _id: id }, { $set: { ...fields, updatedAt: new Date() } }, { returnDocument: 'after' });
    if (!res) throw new MirrorNotFound(id);
    return res;
  }
}

/** Whether a webhook secret is the mirror's (constant-time on the hashes). */
export function webhookSecretMatches(m: MirrorDoc, secret: string): boolean {
  if (!m.webhook) return false;
  const a = Buffer.from(m.webhook.secretHash, 'hex');
  const b = Buffer.from(sha256(secret), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
