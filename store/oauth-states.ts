import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { OAuthProvider } from '../common/names';

/**
 * What an OAuth `state` (or a reconnect link) was issued for: connecting a new account, reconnecting an existing
 * one, following a reconnect link from an alert e-mail, or installing an integration (Kommo's install flow).
 */
export const OAUTH_STATE_PURPOSES = ['connect', 'reconnect', 'reconnect-link', 'install'] as const;
export type OAuthStatePurpose = (typeof OAUTH_STATE_PURPOSES)[number];

export interface OAuthStateDoc {
  /** sha256 of the state value: a database dump holds no usable state. */
  _id: string;
  provider: OAuthProvider;
  oauthClientId: string;
  /** The account being reconnected; null for a new connection or an install. */
  accountId: string | null;
  purpose: OAuthStatePurpose;
  /** The hash of the reconnect link this flow was started from, spent when the flow succeeds. */
  linkId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export type NewOAuthState = Pick<OAuthStateDoc, 'provider' | 'oauthClientId' | 'accountId' | 'purpose'> & { ttlMs: number; linkId?: string | null };

export type ConsumedState = { ok: true; state: OAuthStateDoc } | { ok: false; reason: 'unknown' | 'expired' | 'mismatch' };

export const hashState = (state: string): string => createHash('sha256').update(state, 'utf8').digest('hex');

/** The states' signing key, derived from ENCRYPTION_KEY (HKDF) so no second secret has to be configured. */
export const stateSigningKey = (encryptionKeyHex: string): Buffer =>
  Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), 'switchyard oauth states', 32));

/**
 * `oauth_states`: single-use, expiring OAuth `state` values (and reconnect-link tokens), signed, stored hashed and bound
 * to a provider, an OAuth client, the account being reconnected and a purpose. Consuming is a delete that
 * succeeds for exactly one caller, so a replayed callback finds nothing. Each issue clears the states that expired unused.
 */
export class OAuthStateStore {
  private readonly col: Collection<OAuthStateDoc>;

  constructor(
    db: Db,
    private readonly signingKey: Buffer,
  ) {
    this.col = db.collection<OAuthStateDoc>('oauth_states');
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.signingKey).update(nonce, 'utf8').digest('base64url');
  }

  /** Whether a presented state carries our signature: a forged one is refused without a database read. */
  private signed(state: string): boolean {
    const [nonce, sig, extra] = state.split('.');
    if (!nonce || !sig || extra !== undefined) return false;
    const want = Buffer.from(this.sign(nonce));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  async ensureIndexes(): Promise<void> {
    // No TTL index: the local MongoDB-wire server (FerretDB) has none. issue() clears expired states instead.
    await this.col.createIndex({ expiresAt: 1 }, { name: 'expiry' });
  }

  /** Issues a state; answers its value (shown once: 256 random bits and their signature) and its expiry. */
  async issue(input: NewOAuthState): Promise<{ state: string; expiresAt: Date }> {
    const nonce = randomBytes(32).toString('base64url');
    const state = `${nonce}.${this.sign(nonce)}`;
    const now = new Date();
    await this.col.deleteMany({ expiresAt: { $lt: now } });
    const expiresAt = new Date(now.getTime() + input.ttlMs);
    await this.col.insertOne({
      _id: hashState(state),
      provider: input.provider,
      oauthClientId: input.oauthClientId,
      accountId: input.accountId,
      purpose: input.purpose,
      linkId: input.linkId ?? null,
      createdAt: now,
      expiresAt,
    });
    return { state, expiresAt };
  }

  /**
   * Consumes a state: the one caller whose delete removes it gets it back; a forged, used or expired state gets
   * the reason. A state presented to another provider's callback is spent all the same (it has been exposed).
   */
  async consume(state: string, provider: OAuthProvider, purposes: readonly OAuthStatePurpose[]): Promise<ConsumedState> {
    if (!this.signed(state)) return { ok: false, reason: 'unknown' };
    // Read, then delete: only the caller whose delete removed the document has it. (findOneAndDelete is not
    // atomic on the local MongoDB-wire server: concurrent callers all got the document back.)
    const id = hashState(state);
    const doc = await this.col.findOne({ _id: id });
    if (!doc || (await this.col.deleteOne({ _id: id })).deletedCount !== 1) return { ok: false, reason: 'unknown' };
    if (doc.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    if (doc.provider !== provider || !purposes.includes(doc.purpose)) return { ok: false, reason: 'mismatch' };
    return { ok: true, state: doc };
  }

  /** Reads a state without spending it (a reconnect link is spent only when its flow succeeds), or null. */
  async peek(state: string, purpose: OAuthStatePurpose): Promise<OAuthStateDoc | null> {
    if (!this.signed(state)) return null;
    const doc = await this.col.findOne({ _id: hashState(state), purpose });
    return doc && doc.expiresAt.getTime() > Date.now() ? doc : null;
  }

  /** Spends a state by its hash (a reconnect link once its flow succeeded). True when this call removed it. */
  async spend(id: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: id })).deletedCount === 1;
  }
}
